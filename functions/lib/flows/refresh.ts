import { epochSeconds } from '../domain/clock';
import { InvalidGrantError } from '../domain/errors';
import { logAuthEvent } from '../telemetry/events';
import { hashRefreshToken, openSuccessor, sealSuccessor } from '../domain/refresh-tokens';
import { issueTokenPair } from './session-ops';
import type { CoreDeps } from './deps';
import type { Session, TokenPair } from '../domain/sessions';
import type { User } from '../domain/users';
import type { RequestMeta } from '../domain/request-meta';

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
  const auditMeta = (m: RequestMeta) => ({ requestId: m.requestId, sourceIp: m.sourceIp, userAgent: m.userAgent });

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
    if (s.status !== 'active') throw fail('session_revoked', s);
    if (s.expiresAt <= now) throw fail('session_expired', s);
    // ASVS 7.3.1: a session left unused for the idle timeout ends.
    if (s.lastUsedAt <= now - deps.sessionIdleSeconds) throw fail('session_idle', s);
    const again =
      s.previousHash === presentedHash && s.rotatedAt !== undefined && now - s.rotatedAt <= deps.refreshGraceSeconds && s.successorSealed
        ? openSuccessor(refreshToken, s.successorSealed)
        : undefined;
    if (again === undefined) {
      // A genuine token (its tag checked out) that is no longer current: someone replayed it.
      // Revoke the whole family, so the newest token fails too (RFC 9700 §4.14.2; ASVS 10.4.5).
      await Promise.all([
        deps.sessions.revokeSession(s.sid, now, 'refresh_token_reuse'),
        deps.audit.record('refresh_reuse_detected', { ...auditMeta(meta), userId: s.userId, sid: s.sid, outcome: 'failure' }),
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
    deps.audit.record('refresh_succeeded', { ...auditMeta(meta), userId: session.userId, sid: session.sid }),
  ]);
  const revokedBy =
    !user || user.userId !== session.userId
      ? 'unknown_user'
      : user.status !== 'active'
        ? 'user_disabled'
        : // Logout-everywhere, a password change or an admin revoked every session older than this.
          (user.tokensValidAfter ?? 0) > (session.validFrom ?? session.createdAt)
          ? 'tokens_revoked'
          : undefined;
  if (revokedBy) {
    await Promise.all([
      deps.sessions.revokeSession(session.sid, now, revokedBy),
      deps.audit.record('session_revoked', {
        ...auditMeta(meta),
        userId: session.userId,
        sid: session.sid,
        outcome: 'failure',
        reason: revokedBy,
      }),
    ]);
    throw fail(revokedBy, session);
  }
  const pair = await issueTokenPair(user as User, session.sid, issued, deps);
  return pair;
}
