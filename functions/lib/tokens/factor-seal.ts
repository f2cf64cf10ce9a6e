import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { Pepper } from '../domain/passwords';
import { deriveKey } from '../domain/refresh-tokens';

/**
 * Encrypts second-factor secrets (a TOTP seed) at rest: AES-256-GCM under a key derived with HKDF
 * from the secret store's pepper for this one purpose, never the pepper itself (ASVS 11.4.1 and
 * 6.5.2). The user id is the associated data, so a sealed secret copied to another user's item
 * does not open. The pepper version travels with it, so old seals open after a pepper rotation.
 */
export interface FactorSealer {
  seal(userId: string, secret: string): string;
  /** The secret, or throws if the seal is not one of ours for this user. */
  open(userId: string, sealed: string): string;
  /** Sealed under an older pepper: worth sealing again. */
  isOutdated(sealed: string): boolean;
}

const PURPOSE = 'factor-secret/seal';

/** The sealer over the peppers, newest first (the first seals). */
export function createFactorSealer(peppers: readonly Pepper[]): FactorSealer {
  const keys = new Map(peppers.map((p) => [p.version, deriveKey(p.secret, PURPOSE)]));
  const current = peppers[0];
  if (!current) throw new Error('a factor sealer needs a pepper');
  const currentKey = keys.get(current.version) as Buffer;
  return {
    seal(userId, secret) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', currentKey, iv);
      cipher.setAAD(Buffer.from(userId));
      const body = Buffer.concat([cipher.update(secret, 'utf8'), cipher.final()]);
      return `${current.version}.${Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64url')}`;
    },
    open(userId, sealed) {
      const dot = sealed.lastIndexOf('.');
      const key = keys.get(sealed.slice(0, dot));
      const raw = Buffer.from(sealed.slice(dot + 1), 'base64url');
      if (!key || raw.length < 29) throw new Error('a second-factor secret is sealed under an unknown key');
      const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, 12));
      decipher.setAAD(Buffer.from(userId));
      decipher.setAuthTag(raw.subarray(12, 28));
      return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
    },
    isOutdated: (sealed) => !sealed.startsWith(`${current.version}.`),
  };
}
