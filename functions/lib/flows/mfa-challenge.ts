import { createHash } from 'node:crypto';
import { MfaRequiredError } from '../domain/errors';
import { factorsOf } from '../domain/factors';
import { requestFields, type RequestMeta } from '../domain/request-meta';
import type { User } from '../domain/users';
import type { CoreDeps } from './deps';

/** How long an `mfa_token` lives. */
export const MFA_TOKEN_TTL_SECONDS = 300;

/** How many wrong answers one `mfa_token` takes before it ends. */
export const MFA_TOKEN_MAX_FAILURES = 5;

/** A fingerprint of a password hash: binds an `mfa_token` to the password it followed, without carrying the hash. */
export const passwordFingerprint = (passwordHash: string): string =>
  createHash('sha256').update(passwordHash).digest('base64url').slice(0, 22);

/**
 * After a correct password, for a user with a second factor: no session yet, but an `mfa_token`
 * (single use, 5 minutes, bound to this user and this password) to answer at
 * `POST /api/auth/mfa/verify`. Returns the error to throw.
 */
export async function challengeSecondFactor(user: User, now: number, meta: RequestMeta, deps: CoreDeps): Promise<MfaRequiredError> {
  const { token } = await deps.mfaTokens.issue(user.userId, {
    username: user.username,
    amr: ['pwd'],
    auth_time: now,
    pwh: passwordFingerprint(user.passwordHash),
  });
  await deps.audit.record('mfa_challenged', { ...requestFields(meta), userId: user.userId });
  return new MfaRequiredError(token, factorsOf(user), MFA_TOKEN_TTL_SECONDS);
}
