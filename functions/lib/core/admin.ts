import { epochSeconds } from '../clock';
import { NotFoundError } from '../errors';
import { logAuthEvent } from '../logger';
import type { User } from '../users-store';
import { normalizeUsername } from '../users-store';
import type { CoreDeps, RequestMeta } from './types';

type AdminDeps = Pick<CoreDeps, 'users' | 'sessions' | 'now' | 'logger'>;

/** Ends every active session of a user; returns how many were ended. */
export async function revokeUserSessions(username: string, meta: RequestMeta, deps: AdminDeps): Promise<number> {
  const user = await requireUser(username, deps);
  const now = epochSeconds(deps.now);
  const active = (await deps.sessions.listSessionsByUser(user.userId)).filter((s) => s.status === 'active');
  let ended = 0;
  for (const s of active) {
    if ((await deps.sessions.revokeSession(s.sid, now, 'admin_revoked')) !== undefined) ended++;
  }
  logAuthEvent(deps.logger, 'sessions_revoked', { requestId: meta.requestId, userId: user.userId, reason: 'admin' });
  return ended;
}

/** Disables a user (login and refresh refuse them) and ends their sessions, or enables them again. */
export async function setUserStatus(username: string, status: User['status'], meta: RequestMeta, deps: AdminDeps): Promise<User> {
  const user = await deps.users.updateUser(normalizeUsername(username), { status }, epochSeconds(deps.now));
  logAuthEvent(deps.logger, status === 'disabled' ? 'user_disabled' : 'user_enabled', { requestId: meta.requestId, userId: user.userId });
  if (status === 'disabled') await revokeUserSessions(username, meta, deps);
  return user;
}

/** Replaces a user's roles; tokens minted from now on carry them. */
export async function setUserRoles(username: string, roles: readonly string[], meta: RequestMeta, deps: AdminDeps): Promise<User> {
  const user = await deps.users.updateUser(normalizeUsername(username), { roles }, epochSeconds(deps.now));
  logAuthEvent(deps.logger, 'user_roles_changed', { requestId: meta.requestId, userId: user.userId });
  return user;
}

async function requireUser(username: string, deps: AdminDeps): Promise<User> {
  const user = await deps.users.getUser(normalizeUsername(username));
  if (!user) throw new NotFoundError(`no user named ${normalizeUsername(username)}`);
  return user;
}
