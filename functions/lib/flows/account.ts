import { epochSeconds } from '../domain/clock';
import { ForbiddenError, NotFoundError, TooManyAttemptsError } from '../domain/errors';
import { readThrottle, recordFailedCheck } from '../domain/throttle';
import { authenticationOfCaller, issueAccessToken, revokeAllSessions } from './session-ops';
import type { Caller, CoreDeps } from './deps';
import { requireRecentMfa } from './recent-mfa';
import { notify } from './notices';
import { passwordChangedMail } from '../domain/email-messages';
import { checkNewPassword } from './password-rules';
import { sessionState } from '../domain/sessions';
import type { User } from '../domain/users';
import { requestFields, type RequestMeta } from '../domain/request-meta';

export type { Caller } from './deps';

/** One of the caller's sessions, as they see it (ASVS 7.5.2). */
export interface SessionView {
  readonly sid: string;
  readonly created_at: string;
  readonly last_used_at: string;
  readonly user_agent: string | null;
  readonly source_ip: string | null;
  readonly current: boolean;
}

const iso = (seconds: number) => new Date(seconds * 1000).toISOString();

async function requireCaller(caller: Caller, deps: Pick<CoreDeps, 'users'>): Promise<User> {
  const user = await deps.users.getUser(caller.username);
  if (!user || user.userId !== caller.sub) throw new NotFoundError('no such user');
  return user;
}

/** The caller's active sessions, newest first, marking the one this token belongs to. */
export async function listSessions(caller: Caller, deps: CoreDeps): Promise<SessionView[]> {
  return liveSessions(await requireCaller(caller, deps), caller.sid, deps);
}

/** A user's live sessions, newest first, as the user sees them; `currentSid` is the one asking, if any. */
export async function liveSessions(
  user: User,
  currentSid: string | undefined,
  deps: Pick<CoreDeps, 'sessions' | 'now' | 'sessionIdleSeconds'>,
): Promise<SessionView[]> {
  const now = epochSeconds(deps.now);
  const sessions = await deps.sessions.listSessionsByUser(user.userId);
  const live = (s: (typeof sessions)[number]) => sessionState(s, now, deps.sessionIdleSeconds, user.tokensValidAfter) === 'live';
  return sessions.filter(live).map((s) => ({
    sid: s.sid,
    created_at: iso(s.createdAt),
    last_used_at: iso(s.lastUsedAt),
    user_agent: s.userAgent ?? null,
    source_ip: s.sourceIp ?? null,
    current: s.sid === currentSid,
  }));
}

/** Ends one of the caller's own sessions; someone else's session is "not found", never revealed. */
export async function endSession(caller: Caller, sid: string, meta: RequestMeta, deps: CoreDeps): Promise<void> {
  const session = await deps.sessions.getSession(sid);
  if (!session || session.userId !== caller.sub) throw new NotFoundError('no such session');
  await deps.sessions.revokeSession(sid, epochSeconds(deps.now), 'user_ended');
  await deps.audit.record('session_revoked', {
    ...requestFields(meta),
    userId: caller.sub,
    sid,
    reason: sid === caller.sid ? 'current' : 'other',
  });
}

/** Logout everywhere: every session and every access token of the caller ends (ASVS 7.4.4). */
export async function logoutAll(caller: Caller, meta: RequestMeta, deps: CoreDeps): Promise<void> {
  const user = await requireCaller(caller, deps);
  const now = epochSeconds(deps.now);
  await deps.users.revokeTokensBefore(user.username, now);
  await revokeAllSessions(user.userId, now, 'logout_all', undefined, deps);
  await deps.audit.record('sessions_revoked', { ...requestFields(meta), userId: user.userId, sid: caller.sid, reason: 'logout_all' });
}

/**
 * Changes the caller's password after checking the current one (ASVS 6.2.3). Every other
 * session and every access token issued before now end; the current session is re-keyed to
 * stay valid, and gets a fresh access token in the answer.
 */
export async function changePassword(
  caller: Caller,
  input: { currentPassword: string; newPassword: string },
  meta: RequestMeta,
  deps: CoreDeps,
): Promise<{ access_token: string; token_type: 'Bearer'; expires_in: number }> {
  const user = await requireCaller(caller, deps);
  const now = epochSeconds(deps.now);
  requireRecentMfa(caller, user, now);
  // The current password is a credential like any other: the same counters as a login guard
  // it, so a stolen token cannot guess it from many addresses (ASVS 6.3.1).
  const reading = await readThrottle(deps.attempts, user.username, meta.sourceIp ?? 'unknown', now, deps.throttle);
  if (reading.retryAfterSeconds > 0) {
    await deps.audit.record('password_changed', {
      ...requestFields(meta),
      userId: user.userId,
      sid: caller.sid,
      outcome: 'failure',
      reason: 'throttled',
    });
    throw new TooManyAttemptsError(reading.retryAfterSeconds);
  }
  if (!(await deps.passwords.verify(input.currentPassword, user))) {
    await Promise.all([
      recordFailedCheck(deps.attempts, reading, now, deps.throttle),
      deps.audit.record('password_changed', {
        ...requestFields(meta),
        userId: user.userId,
        sid: caller.sid,
        outcome: 'failure',
        reason: 'wrong_current_password',
      }),
    ]);
    throw new ForbiddenError('the current password is not correct');
  }
  checkNewPassword(input.newPassword, user.username);

  // Conditional on the hash we verified against: of two racing changes, one wins, one gets 409.
  await deps.users.replacePassword(user.username, user.passwordHash, await deps.passwords.hash(input.newPassword), now);
  await deps.sessions.setValidFrom(caller.sid, now);
  await revokeAllSessions(user.userId, now, 'password_changed', caller.sid, deps);
  const { accessToken, expiresIn } = await issueAccessToken(user, caller.sid, authenticationOfCaller(caller), deps);
  await deps.audit.record('password_changed', { ...requestFields(meta), userId: user.userId, sid: caller.sid });
  await notify(user, 'password_changed', (to, ctx) => passwordChangedMail(to, ctx), deps);
  return { access_token: accessToken, token_type: 'Bearer', expires_in: expiresIn };
}
