import { randomBytes, randomUUID } from 'node:crypto';
import { exportJWK, generateKeyPair, type JSONWebKeySet, type JWK } from 'jose';
import type { Algorithm } from './key-source';
import type { Pepper } from '../domain/passwords';

/**
 * The service's secrets: the signing key set and the password peppers. They live together in
 * one secret store (a 0600 file locally, Secrets Manager on AWS) and never in the users table.
 */
export interface AuthSecrets {
  /** Private JWKs; each has `kid` and `alg`. */
  readonly signingKeys: JSONWebKeySet;
  /** The key that signs new tokens; the others only verify. */
  readonly signingKid: string;
  /** Newest first: the first hashes new passwords. */
  readonly peppers: readonly Pepper[];
  /** When each key was created and, once replaced, retired (epoch seconds); drives rotation. */
  readonly keyMeta?: Readonly<Record<string, KeyMeta>>;
}

/** The life of one signing key. */
export interface KeyMeta {
  readonly createdAt: number;
  readonly retiredAt?: number;
}

/** The JSON form of `AuthSecrets` (pepper secrets as base64url). */
interface SecretsDocument {
  signingKeys: JSONWebKeySet;
  signingKid: string;
  peppers: { version: string; secret: string }[];
  keyMeta?: Record<string, KeyMeta>;
}

/** Validates a secrets document; the error names what is wrong, never a secret value. */
export function parseSecrets(text: string): AuthSecrets {
  let doc: Partial<SecretsDocument>;
  try {
    doc = JSON.parse(text) as Partial<SecretsDocument>;
  } catch {
    throw new Error('secrets document is not valid JSON');
  }
  if (!Array.isArray(doc.signingKeys?.keys) || doc.signingKeys.keys.length === 0) throw new Error('secrets document has no signingKeys');
  if (typeof doc.signingKid !== 'string') throw new Error('secrets document has no signingKid');
  if (!Array.isArray(doc.peppers) || doc.peppers.length === 0) throw new Error('secrets document has no peppers');
  const peppers = doc.peppers.map((p, i) => {
    const secret = typeof p?.secret === 'string' ? Buffer.from(p.secret, 'base64url') : Buffer.alloc(0);
    if (typeof p?.version !== 'string' || secret.length < 32)
      throw new Error(`pepper ${i} needs a version and a secret of at least 32 bytes`);
    return { version: p.version, secret };
  });
  if (!doc.signingKeys.keys.some((k) => k.kid === doc.signingKid)) throw new Error('secrets document has no key for its signingKid');
  return { signingKeys: doc.signingKeys, signingKid: doc.signingKid, peppers, ...(doc.keyMeta && { keyMeta: doc.keyMeta }) };
}

/** Serialises secrets for storage. */
export function serializeSecrets(secrets: AuthSecrets): string {
  const doc: SecretsDocument = {
    signingKeys: secrets.signingKeys,
    signingKid: secrets.signingKid,
    peppers: secrets.peppers.map((p) => ({ version: p.version, secret: Buffer.from(p.secret).toString('base64url') })),
    ...(secrets.keyMeta && { keyMeta: { ...secrets.keyMeta } }),
  };
  return JSON.stringify(doc, null, 2);
}

/** A new signing key: extractable, so it can be stored as a JWK. */
export async function generateSigningKey(alg: Algorithm = 'RS256'): Promise<JWK> {
  const { privateKey } = await generateKeyPair(alg, { extractable: true, ...(alg === 'RS256' && { modulusLength: 2048 }) });
  return { ...(await exportJWK(privateKey)), kid: randomUUID(), alg, use: 'sig' };
}

/** A fresh set of secrets: one signing key and one 256-bit pepper. */
export async function generateSecrets(alg: Algorithm = 'RS256', nowSeconds = Math.floor(Date.now() / 1000)): Promise<AuthSecrets> {
  const key = await generateSigningKey(alg);
  const kid = key.kid as string;
  return {
    signingKeys: { keys: [key] },
    signingKid: kid,
    peppers: [{ version: '1', secret: randomBytes(32) }],
    keyMeta: { [kid]: { createdAt: nowSeconds } },
  };
}
