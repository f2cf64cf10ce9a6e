import { MAX_ROLES, isRole } from '../contract/roles';
import { InvalidRequestError } from './errors';
import type { StoredPassword } from './passwords';
import type { UserFactors } from './factors';

/** A user as stored. Times are epoch seconds. */
export interface User extends StoredPassword, UserFactors {
  /** Stable id: the `sub` of every token. Never changes, unlike the username. */
  readonly userId: string;
  /** Normalised username: the table key. */
  readonly username: string;
  readonly roles: readonly string[];
  readonly status: 'active' | 'disabled';
  readonly createdAt: number;
  readonly updatedAt: number;
  /**
   * Access tokens issued before this time, and sessions opened (or last re-keyed) before it, are
   * revoked: logout-everywhere, a password change, an admin revocation.
   */
  readonly tokensValidAfter?: number;
  /** The password is a temporary one from an admin reset: it must be replaced before it opens a session. */
  readonly mustChangePassword?: boolean;
  /** The user's email address, normalised (`normalizeEmail`); unique across users. */
  readonly email?: string;
  /** The owner has proved the address (a link from a mail to it, or a password reset through it). */
  readonly emailVerified?: boolean;
  /** The SHA-256 of the one live password-reset link (a newer request, or a new password, ends it). */
  readonly resetHash?: string;
  /** The SHA-256 of the one live address-verification link. */
  readonly verifyHash?: string;
  /** A new address that waits for its link: the change takes effect once it is confirmed. */
  readonly pendingEmail?: string;
}

/** A user as listings show them: never the hash. */
export type UserSummary = Omit<User, 'passwordHash' | 'pepperVersion' | 'resetHash' | 'verifyHash' | 'pendingEmail' | keyof UserFactors>;

/** The roles, deduplicated; `InvalidRequestError` naming the first that breaks the grammar. */
export function checkRoles(roles: readonly unknown[]): string[] {
  if (roles.length > MAX_ROLES) throw new InvalidRequestError(`at most ${MAX_ROLES} roles`);
  for (const role of roles) {
    if (!isRole(role)) throw new InvalidRequestError(`role ${JSON.stringify(role)} must be 1 to 64 letters, digits or _ . : -`);
  }
  return [...new Set(roles as string[])];
}
