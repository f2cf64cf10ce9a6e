import { randomUUID } from 'node:crypto';
import { epochSeconds } from '../clock';
import { InvalidRequestError, NotFoundError } from '../errors';
import { logAuthEvent } from '../logger';
import { checkPasswordPolicy, normalizePassword } from '../passwords';
import { normalizeUsername, type User } from '../users-store';
import type { CoreDeps, RequestMeta } from './types';

/** Roles of a user who signed up without an admin. */
export const DEFAULT_ROLES: readonly string[] = ['user'];

/** A new account. */
export interface NewUser {
  readonly username: string;
  readonly password: string;
  readonly roles?: readonly string[];
}

/** The public view of a user. */
export interface UserView {
  readonly sub: string;
  readonly username: string;
  readonly roles: readonly string[];
}

/** Creates a user after the password policy; `UserExistsError` if the username is taken. */
export async function createUser(input: NewUser, meta: RequestMeta, deps: Pick<CoreDeps, 'users' | 'passwords' | 'now' | 'logger'>): Promise<UserView> {
  const username = normalizeUsername(input.username);
  checkPasswordPolicy(input.password);
  // OWASP Authentication Cheat Sheet: a password must not be the username.
  if (normalizePassword(input.password).toLowerCase() === username) {
    throw new InvalidRequestError('password must not be the username');
  }
  const now = epochSeconds(deps.now);
  const user: User = {
    userId: randomUUID(),
    username,
    ...(await deps.passwords.hash(input.password)),
    roles: [...new Set(input.roles ?? DEFAULT_ROLES)],
    status: 'active',
    createdAt: now,
    updatedAt: now,
  };
  await deps.users.createUser(user);
  logAuthEvent(deps.logger, 'user_created', { requestId: meta.requestId, userId: user.userId });
  return { sub: user.userId, username: user.username, roles: user.roles };
}

/** Self-registration: a user with the default roles, only where configuration allows it. */
export async function register(input: { username: string; password: string }, meta: RequestMeta, deps: CoreDeps): Promise<UserView> {
  if (!deps.selfRegistration) throw new NotFoundError('self-registration is disabled');
  return createUser({ username: input.username, password: input.password }, meta, deps);
}
