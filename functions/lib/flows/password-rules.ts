import { isCommonPassword } from '../domain/breached-passwords';
import { InvalidRequestError } from '../domain/errors';
import { checkPasswordPolicy, normalizePassword } from '../domain/passwords';

/**
 * Every rule a new password must meet: length (ASVS 6.2.1, 6.2.9), not a common or breached
 * password (ASVS 6.2.4, 6.2.12), not the username (OWASP Authentication Cheat Sheet).
 */
export function checkNewPassword(password: string, username: string): void {
  checkPasswordPolicy(password);
  const normalized = normalizePassword(password);
  if (normalized.toLowerCase() === username) throw new InvalidRequestError('password must not be the username');
  if (isCommonPassword(normalized)) throw new InvalidRequestError('password is too common: it appears in lists of breached passwords');
}
