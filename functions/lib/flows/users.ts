import { randomUUID } from 'node:crypto';
import { epochSeconds } from '../domain/clock';
import { NotFoundError } from '../domain/errors';
import { usernameSkeleton } from '../domain/username-skeleton';
import { checkNewUsername } from '../domain/usernames';
import { checkNewPassword } from './password-rules';
import type { CoreDeps } from './deps';
import { checkRoles, type User } from '../domain/users';
import { requestFields, type RequestMeta } from '../domain/request-meta';
import { normalizeEmail } from '../domain/email';
import { sendVerification } from './recovery';

/** Roles of a user who signed up without an admin. */
export const DEFAULT_ROLES: readonly string[] = ['user'];

/** A new account. */
export interface NewUser {
  readonly username: string;
  readonly password: string;
  readonly roles?: readonly string[] | undefined;
  /** Unverified until its owner follows the link mailed to it. */
  readonly email?: string | undefined;
}

/** The public view of a user. */
export interface UserView {
  readonly sub: string;
  readonly username: string;
  readonly roles: readonly string[];
}

/** Creates a user after the password rules; `UserExistsError` if the username is taken. */
export async function createUser(
  input: NewUser,
  meta: RequestMeta,
  deps: Pick<CoreDeps, 'users' | 'passwords' | 'now' | 'audit'>,
): Promise<UserView> {
  const username = checkNewUsername(input.username);
  checkNewPassword(input.password, username);
  const now = epochSeconds(deps.now);
  const user: User = {
    userId: randomUUID(),
    username,
    ...(await deps.passwords.hash(input.password)),
    roles: checkRoles(input.roles ?? DEFAULT_ROLES),
    status: 'active',
    createdAt: now,
    updatedAt: now,
    ...(input.email !== undefined && { email: normalizeEmail(input.email), emailVerified: false }),
  };
  // A look-alike of an existing name (a Cyrillic а for a Latin a) is taken too (Unicode TR39).
  await deps.users.createUser(user, usernameSkeleton(username));
  await deps.audit.record('user_created', {
    ...requestFields(meta),
    userId: user.userId,
  });
  return { sub: user.userId, username: user.username, roles: user.roles };
}

/** Self-registration: a user with the default roles, only where configuration allows it; a given address gets its verification link. */
export async function register(
  input: { username: string; password: string; email?: string | undefined },
  meta: RequestMeta,
  deps: CoreDeps,
): Promise<UserView> {
  if (!deps.selfRegistration) throw new NotFoundError('self-registration is disabled');
  const view = await createUser({ username: input.username, password: input.password, email: input.email }, meta, deps);
  if (input.email !== undefined)
    await sendVerification({ username: view.username, userId: view.sub, email: normalizeEmail(input.email) }, deps);
  return view;
}
