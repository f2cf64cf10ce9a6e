import { InvalidRequestError } from '../domain/errors';
import { checkCredentials, completeLogin } from './login';
import type { CoreDeps } from './deps';
import { checkNewPassword } from './password-rules';
import { requestFields, type RequestMeta } from '../domain/request-meta';
import type { TokenPair } from '../domain/sessions';

/** A temporary password and its replacement. */
export interface TemporaryPasswordInput {
  readonly username: string;
  readonly password: string;
  readonly newPassword: string;
}

/**
 * Replaces the temporary password an admin reset handed out, and logs in with the new one. The
 * temporary password is checked like any login (same counters, same answer for every failure,
 * ASVS 6.3.1, 6.3.8); it opens no session by itself (OWASP Forgot Password Cheat Sheet: the
 * user chooses the new password). Lives apart from login so that login's bundle carries no
 * password rules (the breached-password list).
 */
export async function replaceTemporaryPassword(input: TemporaryPasswordInput, meta: RequestMeta, deps: CoreDeps): Promise<TokenPair> {
  const { user, reading, now } = await checkCredentials(input, meta, deps);
  if (!user.mustChangePassword) throw new InvalidRequestError('this is not a temporary password: change it at /api/auth/password');
  checkNewPassword(input.newPassword, user.username);
  if (input.newPassword === input.password) throw new InvalidRequestError('new_password must differ from the temporary password');

  // Conditional on the temporary hash: of two racing replacements, one wins, one gets 409.
  const fresh = await deps.passwords.hash(input.newPassword);
  await deps.users.replacePassword(user.username, user.passwordHash, fresh, now);
  await deps.audit.record('password_changed', {
    ...requestFields(meta),
    userId: user.userId,
    reason: 'temporary_replaced',
  });
  return completeLogin({ ...user, ...fresh, mustChangePassword: false }, input.newPassword, reading, now, meta, deps);
}
