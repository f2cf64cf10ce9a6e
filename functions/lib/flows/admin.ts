import { randomBytes } from 'node:crypto';
import { epochSeconds } from '../domain/clock';
import { ConflictError, ForbiddenError, LastAdminError, NotFoundError } from '../domain/errors';
import { ADMIN_ROLE } from '../contract/roles';
import type { CoreDeps } from './deps';
import { revokeAllSessions } from './session-ops';
import { liveSessions, type SessionView } from './account';
import type { UserView } from './users';
import { ACTIVITY_SERIES, type ActivitySeries, activityWindow, type HourActivity } from '../domain/activity';
import type { AuditPage } from '../domain/audit';
import { checkRoles, type User } from '../domain/users';
import { normalizeUsername } from '../domain/usernames';
import { requestFields, type RequestMeta } from '../domain/request-meta';
import { factorsView, type FactorsView } from '../domain/factors';

/** What the admin operations need. */
export type AdminDeps = Pick<CoreDeps, 'users' | 'factors' | 'sessions' | 'now' | 'audit' | 'auditStore'>;

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

/** The user, or `NotFoundError`. */
export async function getUserForAdmin(username: string, deps: Pick<AdminDeps, 'users'>): Promise<AdminUserView> {
  return view(await requireUser(username, deps));
}

/** One page of users; with `prefix`, those whose name starts with it (compared as names are stored). */
export async function listUsersForAdmin(
  limit: number,
  cursor: string | undefined,
  deps: Pick<AdminDeps, 'users'>,
  prefix?: string,
): Promise<{ users: AdminUserView[]; next?: string }> {
  const page = await deps.users.listUsersPage(limit, cursor, prefix === undefined ? undefined : normalizeUsername(prefix));
  return { users: page.users.map(view), ...(page.next && { next: page.next }) };
}

/** A user's live sessions, for an admin: what the user sees of their own (none of them "current"). */
export async function userSessionsForAdmin(
  username: string,
  deps: Pick<CoreDeps, 'users' | 'sessions' | 'now' | 'sessionIdleSeconds'>,
): Promise<SessionView[]> {
  return liveSessions(await requireUser(username, deps), undefined, deps);
}

/**
 * Ends one session of a user (its refresh token, and its access tokens at their next
 * revocation check), audited as the admin's. A session of someone else is "not found".
 */
export async function endUserSession(
  username: string,
  sid: string,
  meta: RequestMeta,
  deps: Pick<CoreDeps, 'users' | 'sessions' | 'now' | 'audit'>,
): Promise<void> {
  const user = await requireUser(username, deps);
  const session = await deps.sessions.getSession(sid);
  if (!session || session.userId !== user.userId) throw new NotFoundError('no such session');
  await deps.sessions.revokeSession(sid, epochSeconds(deps.now), 'admin');
  await deps.audit.record('session_revoked', { ...requestFields(meta), userId: user.userId, sid, reason: 'admin' });
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
  await deps.audit.record('sessions_revoked', { ...requestFields(meta), userId: user.userId, reason: 'admin' });
  return ended;
}

/** A user's second factors, as admins see them: what, and when, never a secret. */
export async function userFactors(username: string, deps: Pick<AdminDeps, 'users'>): Promise<FactorsView> {
  return factorsView(await requireUser(username, deps));
}

/**
 * Removes every second factor and recovery code of a user (a lost phone or key), and ends their
 * sessions and tokens: whoever held one with the old factor signs in again. Audited. A holder of
 * a role that needs a factor must enrol a new one at their next sign-in.
 */
export async function resetUserFactors(username: string, meta: RequestMeta, deps: AdminDeps): Promise<{ ended: number }> {
  const user = await requireUser(username, deps);
  await deps.factors.resetFactors(user.username);
  await deps.audit.record('mfa_reset', { ...requestFields(meta), userId: user.userId, reason: 'admin' });
  return { ended: await revokeUserSessions(user.username, meta, deps) };
}

/** How an admin change may proceed. */
export interface AdminChangeOptions {
  /** Let the last active admin lose the role (the CLI's `--force`, for break-glass use only). */
  readonly force?: boolean;
}

const holdsAdmin = (u: Pick<User, 'status' | 'roles'>) => u.status === 'active' && u.roles.includes(ADMIN_ROLE);

/**
 * Changes a user's status or roles, refusing with `LastAdminError` a change that would leave no
 * active admin. The refusal holds under concurrency: the change commits in one transaction with
 * a check that another admin is still active and still an admin.
 */
async function changeUser(
  username: string,
  change: { status?: User['status']; roles?: readonly string[] },
  deps: AdminDeps,
  options: AdminChangeOptions,
): Promise<User> {
  const name = normalizeUsername(username);
  const now = epochSeconds(deps.now);
  for (let attempt = 0; attempt < 3; attempt++) {
    const user = await requireUser(name, deps);
    const after = { status: change.status ?? user.status, roles: change.roles ?? user.roles };
    if (options.force || !holdsAdmin(user) || holdsAdmin(after)) return deps.users.updateUser(name, change, now);
    const other = await deps.users.findActiveHolder(ADMIN_ROLE, name);
    if (other === undefined) throw new LastAdminError();
    try {
      return await deps.users.updateUser(name, change, now, { whileHolding: { username: other, role: ADMIN_ROLE } });
    } catch (err) {
      // That admin changed meanwhile (perhaps demoted by a concurrent request): look again.
      if (!(err instanceof ConflictError)) throw err;
    }
  }
  throw new LastAdminError();
}

/** Disables a user (login, refresh and every token refused) or enables them again. */
export async function setUserStatus(
  username: string,
  status: User['status'],
  meta: RequestMeta,
  deps: AdminDeps,
  options: AdminChangeOptions = {},
): Promise<AdminUserView> {
  const user = await changeUser(username, { status }, deps, options);
  await deps.audit.record(status === 'disabled' ? 'user_disabled' : 'user_enabled', { ...requestFields(meta), userId: user.userId });
  if (status === 'disabled') await revokeUserSessions(username, meta, deps);
  return view(user);
}

/**
 * Replaces a user's roles. Tokens minted from now on carry them; tokens already issued lose
 * every removed role at their next authorizer or validate check (the revocation check
 * intersects their roles with these), and the session lives on.
 */
export async function setUserRoles(
  username: string,
  roles: readonly string[],
  meta: RequestMeta,
  deps: AdminDeps,
  options: AdminChangeOptions = {},
): Promise<AdminUserView> {
  const user = await changeUser(username, { roles: checkRoles(roles) }, deps, options);
  await deps.audit.record('user_roles_changed', { ...requestFields(meta), userId: user.userId });
  return view(user);
}

/**
 * The admin acting over HTTP must still be one: an active user who holds the admin role now,
 * read strongly consistent. The authorizer's answer may be cached for minutes; this closes that
 * window for every admin action (a demoted admin cannot give the role back, or make another).
 */
export async function requireActiveAdmin(actor: { sub: string; username: string }, deps: Pick<AdminDeps, 'users'>): Promise<void> {
  const user = await deps.users.getUser(actor.username);
  if (!user || user.userId !== actor.sub || !holdsAdmin(user)) throw new ForbiddenError('the admin role is required');
}

/**
 * Forces a password change: the old password stops working, every session and token ends,
 * and a temporary password is returned for the admin to hand over. It opens no session: its
 * owner must replace it first (`POST /api/auth/password/temporary`).
 */
export async function resetPassword(
  username: string,
  meta: RequestMeta,
  deps: AdminDeps & Pick<CoreDeps, 'passwords'>,
): Promise<{ temporaryPassword: string }> {
  const user = await requireUser(username, deps);
  const temporaryPassword = randomBytes(18).toString('base64url');
  const now = epochSeconds(deps.now);
  await deps.users.replacePassword(user.username, user.passwordHash, await deps.passwords.hash(temporaryPassword), now, {
    temporary: true,
  });
  await revokeAllSessions(user.userId, now, 'password_reset', undefined, deps);
  await deps.audit.record('password_reset', { ...requestFields(meta), userId: user.userId, reason: 'admin' });
  return { temporaryPassword };
}

/** The dashboard's counts: each hour of the last 24 (`activityWindow`), and their totals. */
export async function activityForAdmin(
  deps: Pick<AdminDeps, 'auditStore' | 'now'>,
): Promise<{ hours: HourActivity[]; totals: Record<ActivitySeries, number> }> {
  const hours = await deps.auditStore.activity(activityWindow(deps.now()));
  const totals = Object.fromEntries(ACTIVITY_SERIES.map((s) => [s, hours.reduce((sum, hour) => sum + hour[s], 0)]));
  return { hours, totals: totals as Record<ActivitySeries, number> };
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
