import { InvalidRequestError } from '../domain/errors';

/**
 * The one grammar of a role name, wherever a role enters: the admin API, the CLI, CDK props and
 * extra routes. No `,` (the authorizer context joins roles with it) and no space.
 */
export const ROLE_PATTERN = '^[A-Za-z0-9_.:-]{1,64}$';
const ROLE = new RegExp(ROLE_PATTERN);

/** How many roles one user or route may have. */
export const MAX_ROLES = 50;

/** The role the admin routes need. */
export const ADMIN_ROLE = 'admin';

/** Is this a valid role name? */
export const isRole = (value: unknown): value is string => typeof value === 'string' && ROLE.test(value);

/** The roles, deduplicated; `InvalidRequestError` naming the first that breaks the grammar. */
export function checkRoles(roles: readonly unknown[]): string[] {
  if (roles.length > MAX_ROLES) throw new InvalidRequestError(`at most ${MAX_ROLES} roles`);
  for (const role of roles) {
    if (!isRole(role)) throw new InvalidRequestError(`role ${JSON.stringify(role)} must be 1 to 64 letters, digits or _ . : -`);
  }
  return [...new Set(roles as string[])];
}
