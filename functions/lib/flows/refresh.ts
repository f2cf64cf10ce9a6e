import { epochSeconds } from '../domain/clock';
import { InvalidGrantError } from '../domain/errors';
import { logAuthEvent } from '../telemetry/events';
import { hashRefreshToken, openSuccessor, sealSuccessor } from '../domain/refresh-tokens';
import { authenticationOf, issueTokenPair } from './session-ops';
import type { CoreDeps } from './deps';
import { sessionState, type Session, type TokenPair } from '../domain/sessions';
import type { User } from '../domain/users';
import { requestFields, type RequestMeta } from '../domain/request-meta';

const invalid = () => new InvalidGrantError('ERR_INVALID_REFRESH_TOKEN', 'refresh token is invalid, expired or revoked');

/**
 * Exchanges a refresh token for a new pair, rotating it (RFC 9700 §4.14.2; ASVS 7.2.4).
 * Two DynamoDB round trips: one conditional update that consumes the token and installs its
 * successor atomically, then the read of the user (current roles and status) with the audit
 * write beside it.
 */
export async function refresh(refreshToken: string, meta: RequestMeta, deps: CoreDeps): Promise<TokenPair> {
  const fail = (reason: string, session?: Session) => {
    logAuthEvent(deps.logger, 'refresh_failed', { requestId: meta.requestId, userId: session?.userId, sid: session?.sid, reason });
    return invalid();
  };

  const id = deps.refreshTokens.parse(refreshToken);
  if (!id) throw fail('malformed');

  const now = epochSeconds(deps.now);
  const presentedHash = hashRefreshToken(refreshToken);
  const successor = deps.refreshTokens.mint({ sid: id.sid, generation: id.generation + 1 });
  const result = await deps.sessions.rotate({
    sid: id.sid,
    presentedHash,
    successorHash: hashRefreshToken(successor),
    successorSealed: sealSuccessor(refreshToken, successor),
    nextGeneration: id.generation + 1,
    now,
    idleCutoff: now - deps.sessionIdleSeconds,
  });

  let session: Session;
  let issued: string;
  if (result.rotated) {
    session = result.session;
    issued = successor;
  } else {
    const s = result.session;
    if (!s) throw fail('unknown_session');
    // Revoked, expired or idle (ASVS 7.3.1): the rotation's condition refused it for a reason.
    const state = sessionState(s, now, deps.sessionIdleSeconds);
    if (state !== 'live') throw fail(state, s);
    const again =
      s.previousHash === presentedHash && s.rotatedAt !== undefined && now - s.rotatedAt <= deps.refreshGraceSeconds && s.successorSealed
        ? openSuccessor(refreshToken, s.successorSealed)
        : undefined;
    if (again === undefined) {
      // A genuine token (its tag checked out) that is no longer current: someone replayed it.
      // Revoke the whole family, so the newest token fails too (RFC 9700 §4.14.2; ASVS 10.4.5).
      await Promise.all([
        deps.sessions.revokeSession(s.sid, now, 'refresh_token_reuse'),
        deps.audit.record('refresh_reuse_detected', { ...requestFields(meta), userId: s.userId, sid: s.sid, outcome: 'failure' }),
      ]);
      throw new InvalidGrantError('ERR_REFRESH_TOKEN_REUSED', 'refresh token is invalid, expired or revoked');
    }
    // A retry within the grace window (a lost response, a racing tab) gets the same successor:
    // never a second live head.
    logAuthEvent(deps.logger, 'refresh_grace_retry', { requestId: meta.requestId, userId: s.userId, sid: s.sid });
    session = s;
    issued = again;
  }

  // Second round trip: the user (for current roles and status), and the audit record written
  // alongside it rather than after it. A user check that fails is then audited as well.
  const [user] = await Promise.all([
    deps.users.getUser(session.username),
    deps.audit.record('refresh_succeeded', { ...requestFields(meta), userId: session.userId, sid: session.sid }),
  ]);
  const revokedBy =
    !user || user.userId !== session.userId
      ? 'unknown_user'
      : user.status !== 'active'
        ? 'user_disabled'
        : // Logout-everywhere, a password change or an admin revoked every session older than this.
          sessionState(session, now, deps.sessionIdleSeconds, user.tokensValidAfter) === 'tokens_revoked'
          ? 'tokens_revoked'
          : undefined;
  if (revokedBy) {
    await Promise.all([
      deps.sessions.revokeSession(session.sid, now, revokedBy),
      deps.audit.record('session_revoked', {
        ...requestFields(meta),
        userId: session.userId,
        sid: session.sid,
        outcome: 'failure',
        reason: revokedBy,
      }),
    ]);
    throw fail(revokedBy, session);
  }
  // RFC 8176 / RFC 9470 §4: a refreshed token says what the sign-in (or last step-up) proved, and when.
  const pair = await issueTokenPair(user as User, session.sid, authenticationOf(session), issued, deps);
  return pair;
}
