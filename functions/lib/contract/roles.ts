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

/** Roles whose holders must have a second factor, unless configured otherwise (ASVS 6.3.3: admins). */
export const MFA_REQUIRED_ROLES_DEFAULT: readonly string[] = [ADMIN_ROLE];

/** Is this a valid role name? */
export const isRole = (value: unknown): value is string => typeof value === 'string' && ROLE.test(value);
