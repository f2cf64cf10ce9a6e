import { epochSeconds } from '../domain/clock';
import { hashRefreshToken, newSessionId } from '../domain/refresh-tokens';
import type { CoreDeps } from './deps';
import type { Session, TokenPair } from '../domain/sessions';
import type { User } from '../domain/users';
import type { RequestMeta } from '../domain/request-meta';
import type { AuthMethod, Authentication } from '../domain/factors';
import type { Caller } from '../contract/authorizer-context';

/** What a session's user proved, and when: a session from before second factors proved a password when it opened. */
export const authenticationOf = (session: Pick<Session, 'amr' | 'authTime' | 'createdAt'>): Authentication => ({
  amr: session.amr ?? ['pwd'],
  authTime: session.authTime ?? session.createdAt,
});

/** What the caller's token says they proved (a token from before second factors: a password, at an unknown time). */
export const authenticationOfCaller = (caller: Pick<Caller, 'amr' | 'authTime'>): Authentication => ({
  amr: caller.amr.length > 0 ? (caller.amr as AuthMethod[]) : ['pwd'],
  authTime: caller.authTime ?? 0,
});

/** Signs an access token for `user` in session `sid`, saying how they authenticated: the one place a token is minted for a user. */
export function issueAccessToken(user: User, sid: string, auth: Authentication, deps: Pick<CoreDeps, 'accessTokens'>) {
  return deps.accessTokens.issue({ sub: user.userId, username: user.username, roles: user.roles, sid, ...auth });
}

/** Signs an access token for `user` in session `sid` and pairs it with `refreshToken`. */
export async function issueTokenPair(
  user: User,
  sid: string,
  auth: Authentication,
  refreshToken: string,
  deps: CoreDeps,
): Promise<TokenPair> {
  const { accessToken, expiresIn } = await issueAccessToken(user, sid, auth, deps);
  return { access_token: accessToken, token_type: 'Bearer', expires_in: expiresIn, refresh_token: refreshToken };
}

/** Opens a new session (token family) for `user`, who proved `auth`, and returns its id and first token pair. */
export async function openSession(
  user: User,
  auth: Authentication,
  meta: RequestMeta,
  deps: CoreDeps,
): Promise<{ sid: string; tokens: TokenPair }> {
  const sid = newSessionId();
  const refreshToken = deps.refreshTokens.mint({ sid, generation: 0 });
  // Sign before writing: a signing failure then leaves nothing half-written.
  const pair = await issueTokenPair(user, sid, auth, refreshToken, deps);
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
    amr: [...auth.amr],
    authTime: auth.authTime,
  };
  await deps.sessions.createSession(session);
  return { sid, tokens: pair };
}

/** Revokes each active session of a user but `keepSid`; returns how many. */
export async function revokeAllSessions(
  userId: string,
  now: number,
  reason: string,
  keepSid: string | undefined,
  deps: Pick<CoreDeps, 'sessions'>,
): Promise<number> {
  const active = (await deps.sessions.listSessionsByUser(userId)).filter((s) => s.status === 'active' && s.sid !== keepSid);
  const results = await Promise.all(active.map((s) => deps.sessions.revokeSession(s.sid, now, reason)));
  return results.filter((r) => r !== undefined).length;
}
