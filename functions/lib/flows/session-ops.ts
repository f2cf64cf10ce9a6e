import { epochSeconds } from '../domain/clock';
import { hashRefreshToken, newSessionId } from '../domain/refresh-tokens';
import type { CoreDeps } from './deps';
import type { Session, TokenPair } from '../domain/sessions';
import type { User } from '../domain/users';
import type { RequestMeta } from '../domain/request-meta';

/** Signs an access token for `user` in session `sid` and pairs it with `refreshToken`. */
export async function issueTokenPair(user: User, sid: string, refreshToken: string, deps: CoreDeps): Promise<TokenPair> {
  const { accessToken, expiresIn } = await deps.accessTokens.issue({
    sub: user.userId,
    username: user.username,
    roles: user.roles,
    sid,
  });
  return { access_token: accessToken, token_type: 'Bearer', expires_in: expiresIn, refresh_token: refreshToken };
}

/** Opens a new session (token family) for `user` and returns its id and first token pair. */
export async function openSession(user: User, meta: RequestMeta, deps: CoreDeps): Promise<{ sid: string; tokens: TokenPair }> {
  const sid = newSessionId();
  const refreshToken = deps.refreshTokens.mint({ sid, generation: 0 });
  // Sign before writing: a signing failure then leaves nothing half-written.
  const pair = await issueTokenPair(user, sid, refreshToken, deps);
  const now = epochSeconds(deps.now);
  const expiresAt = now + deps.sessionTtlSeconds;
  const session: Session = {
    sid,
    userId: user.userId,
    username: user.username,
    status: 'active',
    generation: 0,
    currentHash: hashRefreshToken(refreshToken),
    createdAt: now,
    lastUsedAt: now,
    expiresAt,
    // Keep the record (and so its revocation) until every access token it minted has expired.
    ttl: expiresAt + pair.expires_in,
    userAgent: meta.userAgent?.slice(0, 256),
    sourceIp: meta.sourceIp,
  };
  await deps.sessions.createSession(session);
  return { sid, tokens: pair };
}
