import { randomBytes } from 'node:crypto';
import { epochSeconds } from '../clock';
import { NotFoundError } from '../errors';
import type { AuditPage } from '../audit-store';
import { checkRoles } from '../roles';
import { normalizeUsername, type User } from '../users-store';
import type { CoreDeps, RequestMeta } from './types';
import type { UserView } from './users';

/** What the admin operations need. */
export type AdminDeps = Pick<CoreDeps, 'users' | 'sessions' | 'now' | 'audit' | 'auditStore'>;

/** A user as admins see it: never the hash. */
export interface AdminUserView extends UserView {
  readonly status: User['status'];
  readonly createdAt: number;
  readonly updatedAt: number;
}

const view = (u: Pick<User, 'userId' | 'username' | 'roles' | 'status' | 'createdAt' | 'updatedAt'>): AdminUserView => ({
  sub: u.userId,
  username: u.username,
  roles: u.roles,
  status: u.status,
  createdAt: u.createdAt,
  updatedAt: u.updatedAt,
});

const auditMeta = (meta: RequestMeta) => ({ requestId: meta.requestId, sourceIp: meta.sourceIp, userAgent: meta.userAgent });

/** The user, or `NotFoundError`. */
export async function getUserForAdmin(username: string, deps: Pick<AdminDeps, 'users'>): Promise<AdminUserView> {
  return view(await requireUser(username, deps));
}

/** One page of users, by username. */
export async function listUsersForAdmin(
  limit: number,
  cursor: string | undefined,
  deps: Pick<AdminDeps, 'users'>,
): Promise<{ users: AdminUserView[]; next?: string }> {
  const page = await deps.users.listUsersPage(limit, cursor);
  return { users: page.users.map(view), ...(page.next && { next: page.next }) };
}

/**
 * Ends every session of a user and every access token issued so far: `tokensValidAfter`
 * covers all of them at once (the authorizer checks it), and each session is revoked as well.
 */
export async function revokeUserSessions(username: string, meta: RequestMeta, deps: AdminDeps): Promise<number> {
  const user = await requireUser(username, deps);
  const now = epochSeconds(deps.now);
  await deps.users.revokeTokensBefore(user.username, now);
  const ended = await revokeAllSessions(user.userId, now, 'admin_revoked', undefined, deps);
  await deps.audit.record('sessions_revoked', { ...auditMeta(meta), userId: user.userId, reason: 'admin' });
  return ended;
}

/** Revokes each active session of a user but `keepSid`; returns how many. */
export async function revokeAllSessions(
  userId: string,
  now: number,
  reason: string,
  keepSid: string | undefined,
  deps: Pick<AdminDeps, 'sessions'>,
): Promise<number> {
  const active = (await deps.sessions.listSessionsByUser(userId)).filter((s) => s.status === 'active' && s.sid !== keepSid);
  const results = await Promise.all(active.map((s) => deps.sessions.revokeSession(s.sid, now, reason)));
  return results.filter((r) => r !== undefined).length;
}

/** Disables a user (login, refresh and every token refused) or enables them again. */
export async function setUserStatus(username: string, status: User['status'], meta: RequestMeta, deps: AdminDeps): Promise<AdminUserView> {
  const user = await deps.users.updateUser(normalizeUsername(username), { status }, epochSeconds(deps.now));
  await deps.audit.record(status === 'disabled' ? 'user_disabled' : 'user_enabled', { ...auditMeta(meta), userId: user.userId });
  if (status === 'disabled') await revokeUserSessions(username, meta, deps);
  return view(user);
}

/** Replaces a user's roles; tokens minted from now on carry them. */
export async function setUserRoles(username: string, roles: readonly string[], meta: RequestMeta, deps: AdminDeps): Promise<AdminUserView> {
  const user = await deps.users.updateUser(normalizeUsername(username), { roles: checkRoles(roles) }, epochSeconds(deps.now));
  await deps.audit.record('user_roles_changed', { ...auditMeta(meta), userId: user.userId });
  return view(user);
}

/**
 * Forces a password change: the old password stops working, every session and token ends,
 * and a one-time temporary password is returned for the admin to hand over.
 */
export async function resetPassword(
  username: string,
  meta: RequestMeta,
  deps: AdminDeps & Pick<CoreDeps, 'passwords'>,
): Promise<{ temporaryPassword: string }> {
  const user = await requireUser(username, deps);
  const temporaryPassword = randomBytes(18).toString('base64url');
  const now = epochSeconds(deps.now);
  await deps.users.replacePassword(user.username, user.passwordHash, await deps.passwords.hash(temporaryPassword), now);
  await revokeAllSessions(user.userId, now, 'password_reset', undefined, deps);
  await deps.audit.record('password_reset', { ...auditMeta(meta), userId: user.userId, reason: 'admin' });
  return { temporaryPassword };
}

/** A user's audit events, newest first. */
export async function userEvents(
  username: string,
  limit: number,
  cursor: string | undefined,
  deps: Pick<AdminDeps, 'users' | 'auditStore'>,
): Promise<AuditPage> {
  const user = await requireUser(username, deps);
  return deps.auditStore.listByUser(user.userId, limit, cursor);
}

async function requireUser(username: string, deps: Pick<AdminDeps, 'users'>): Promise<User> {
  const name = normalizeUsername(username);
  const user = await deps.users.getUser(name);
  if (!user) throw new NotFoundError(`no user named ${name}`);
  return user;
}
