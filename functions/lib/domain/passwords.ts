import { createHmac } from 'node:crypto';
import bcrypt from 'bcryptjs';
import { InvalidRequestError } from './errors';

/** ASVS 6.2.1: at least 8 characters. */
export const PASSWORD_MIN_CHARS = 8;
/** ASVS 6.2.9 asks for at least 64 accepted; we accept 1024 and reject longer input as invalid. */
export const PASSWORD_MAX_CHARS = 1024;

/** A secret mixed into every password hash, kept apart from the hashes (OWASP Password Storage CS). */
export interface Pepper {
  readonly version: string;
  readonly secret: Uint8Array;
}

/** What the users table keeps of a password. */
export interface StoredPassword {
  readonly passwordHash: string;
  readonly pepperVersion: string;
}

/** Hashes and checks passwords. */
export interface PasswordHasher {
  hash(password: string): Promise<StoredPassword>;
  /** Checks `password`; with no stored password it still spends one full compare (no user enumeration by timing). */
  verify(password: string, stored: StoredPassword | undefined): Promise<boolean>;
  /** Was this hash made with an older cost or pepper than the current ones? */
  needsRehash(stored: StoredPassword): boolean;
}

/** Unicode NFC, so the same password typed on two keyboards hashes the same (ASVS 6.2.x, NIST 800-63B §5.1.1.2). */
export const normalizePassword = (password: string): string => password.normalize('NFC');

const charCount = (s: string) => [...s].length;

/** Rejects a password that breaks the length policy, with a reason a person can act on. */
export function checkPasswordPolicy(password: string): void {
  const chars = charCount(normalizePassword(password));
  if (chars < PASSWORD_MIN_CHARS) throw new InvalidRequestError(`password must be at least ${PASSWORD_MIN_CHARS} characters`);
  if (chars > PASSWORD_MAX_CHARS) throw new InvalidRequestError(`password must be at most ${PASSWORD_MAX_CHARS} characters`);
}

/** Rejects only what is never a valid password at login: oversized input. */
export function checkPasswordSize(password: string): void {
  if (charCount(password) > PASSWORD_MAX_CHARS) {
    throw new InvalidRequestError(`password must be at most ${PASSWORD_MAX_CHARS} characters`);
  }
}

/** Options of the password hasher. */
export interface PasswordHasherOptions {
  /** The first pepper hashes new passwords; all of them verify old ones. */
  readonly peppers: readonly Pepper[];
  /** bcrypt work factor (log2 rounds). */
  readonly bcryptCost: number;
}

/**
 * bcrypt over base64(HMAC-SHA-384(pepper, NFC(password))), as the OWASP Password Storage Cheat
 * Sheet describes for peppering with bcrypt. The pre-hash is 64 characters, under bcrypt's
 * 72-byte limit, so no byte of a long password is ignored (ASVS 6.2.8, 6.2.9).
 */
export function createPasswordHasher({ peppers, bcryptCost }: PasswordHasherOptions): PasswordHasher {
  const [current] = peppers;
  if (!current) throw new Error('the password hasher needs at least one pepper');
  const byVersion = new Map(peppers.map((p) => [p.version, p.secret]));
  const preHash = (secret: Uint8Array, password: string) =>
    createHmac('sha384', secret).update(normalizePassword(password), 'utf8').digest('base64');
  // Any well-formed hash at the configured cost makes compare do the full work, so a
  // random salt and filler suffice; no real hash needs computing at start-up.
  const dummyHash = bcrypt.genSaltSync(bcryptCost) + '.'.repeat(31);

  return {
    async hash(password) {
      return {
        passwordHash: await bcrypt.hash(preHash(current.secret, password), bcryptCost),
        pepperVersion: current.version,
      };
    },
    async verify(password, stored) {
      const secret = stored ? byVersion.get(stored.pepperVersion) : undefined;
      if (!stored || !secret) {
        await bcrypt.compare(preHash(current.secret, password), dummyHash);
        return false;
      }
      return bcrypt.compare(preHash(secret, password), stored.passwordHash);
    },
    needsRehash(stored) {
      return stored.pepperVersion !== current.version || bcrypt.getRounds(stored.passwordHash) !== bcryptCost;
    },
  };
}
