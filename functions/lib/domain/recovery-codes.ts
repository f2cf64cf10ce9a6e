import { createHash, randomBytes } from 'node:crypto';

/** How many recovery codes a user holds at a time. */
export const RECOVERY_CODE_COUNT = 10;

const ALPHABET = 'ABCDEFGHJKMNPQRSTVWXYZ0123456789'; // Crockford base32: no I, L, O, U
const CODE_CHARS = 16; // 80 bits

/**
 * Ten fresh codes, 80 random bits each, shown as `XXXX-XXXX-XXXX-XXXX`. With that much entropy a
 * fast hash stores them safely (OWASP Password Storage Cheat Sheet: slow hashes are for
 * human-chosen secrets); each is salted with the user id.
 */
export function newRecoveryCodes(count = RECOVERY_CODE_COUNT): string[] {
  return Array.from({ length: count }, () => {
    const bytes = randomBytes(CODE_CHARS);
    const chars = [...bytes].map((b) => ALPHABET[b & 31]).join('');
    return chars.match(/.{4}/g)?.join('-') ?? chars;
  });
}

/** The code as typed, in its one form: upper case, no separators, O read as 0 and I or L as 1. */
export const normalizeRecoveryCode = (typed: string): string =>
  typed.toUpperCase().replace(/[\s-]/g, '').replace(/O/g, '0').replace(/[IL]/g, '1');

/** The stored form of a recovery code. */
export const hashRecoveryCode = (userId: string, code: string): string =>
  createHash('sha256')
    .update(`${userId}\n${normalizeRecoveryCode(code)}`)
    .digest('base64url');

/** Stored forms of fresh codes, by hash. */
export const recoveryCodeRecords = (userId: string, codes: readonly string[], now: number): Record<string, number> =>
  Object.fromEntries(codes.map((c) => [hashRecoveryCode(userId, c), now]));
