import type { JSONWebKeySet, JWK } from 'jose';
import { toPublicJwks } from './key-source';
import { isPlaceholder } from '../contract/secret-placeholder';
import { generateSecrets, generateSigningKey, parseSecrets, serializeSecrets, type AuthSecrets, type KeyMeta } from './secrets';

/** Where the secrets and the published public key set are kept (Secrets Manager and SSM on AWS). */
export interface KeyStore {
  /** The secrets document, or undefined if there is none yet. */
  readSecrets(): Promise<string | undefined>;
  writeSecrets(document: string): Promise<void>;
  /** The published public key set, or undefined if nothing is published. */
  readPublicJwks(): Promise<JSONWebKeySet | undefined>;
  writePublicJwks(jwks: JSONWebKeySet): Promise<void>;
}

/** When keys change. */
export interface RotationPolicy {
  /** A signing key this old gets a successor. */
  readonly rotationIntervalSeconds: number;
  /** A successor is published this long before it signs: longer than any verifier caches keys. */
  readonly publishLeadSeconds: number;
  /** A replaced key stays published this long: until every token it signed has expired. */
  readonly retireAfterSeconds: number;
}

/** What one rotation run did. */
export interface RotationOutcome {
  readonly action: 'none' | 'published' | 'promoted';
  readonly kid?: string;
  readonly dropped: readonly string[];
}

const publicSetOf = (secrets: AuthSecrets) => toPublicJwks(secrets.signingKeys);

/** The stored secrets document cannot be read; nothing was changed. */
export class MalformedSecretsError extends Error {
  override name = 'MalformedSecretsError';
}

/**
 * The stored secrets, or undefined when the secret has no value yet. A document that has
 * content but does not parse is an error, never a reason to start again: new keys and a new
 * pepper would invalidate every password and token at once.
 */
function readStoredSecrets(document: string | undefined): AuthSecrets | undefined {
  if (document === undefined || document.trim() === '' || isPlaceholder(document)) return undefined;
  try {
    return parseSecrets(document);
  } catch (err) {
    throw new MalformedSecretsError(
      `the stored secrets document is malformed (${(err as Error).message}); it was left as it is: ` +
        'repair it, or restore its previous version (Secrets Manager keeps AWSPREVIOUS), then deploy again',
    );
  }
}

/**
 * First deploy: generates the signing key and pepper inside AWS and stores them; publishes the
 * public set. Idempotent: existing secrets are kept (a redeploy never changes keys), and only
 * the public set is brought in line with them. It writes secrets only into a secret that has
 * no value, and fails (so the deployment fails) on one it cannot parse.
 */
export async function setUpKeys(store: KeyStore, nowSeconds: number): Promise<'created' | 'kept'> {
  const existing = readStoredSecrets(await store.readSecrets());
  if (existing) {
    await store.writePublicJwks(publicSetOf(existing));
    return 'kept';
  }
  const secrets = await generateSecrets('RS256', nowSeconds);
  await store.writePublicJwks(publicSetOf(secrets));
  await store.writeSecrets(serializeSecrets(secrets));
  return 'created';
}

/**
 * One scheduled rotation step. A key's life: created and published (verifies, does not sign);
 * after `publishLeadSeconds`, and only if it really is in the published set, it becomes the
 * signing key and the old one is retired; `retireAfterSeconds` later the old key is dropped.
 * The public set is always written before the secrets, so no key signs before it is published.
 */
export async function rotateKeys(
  store: KeyStore,
  nowSeconds: number,
  policy: RotationPolicy,
  newKey: () => Promise<JWK> = () => generateSigningKey('RS256'),
): Promise<RotationOutcome> {
  const secrets = readStoredSecrets(await store.readSecrets());
  if (!secrets) throw new Error('no secrets to rotate: the key set-up has not run');
  const published = new Set(((await store.readPublicJwks())?.keys ?? []).map((k) => k.kid));
  const meta: Record<string, KeyMeta> = {};
  for (const key of secrets.signingKeys.keys) meta[key.kid as string] = secrets.keyMeta?.[key.kid as string] ?? { createdAt: 0 };

  const dropped = Object.entries(meta)
    .filter(([, m]) => m.retiredAt !== undefined && nowSeconds - m.retiredAt >= policy.retireAfterSeconds)
    .map(([kid]) => kid);
  let keys = secrets.signingKeys.keys.filter((k) => !dropped.includes(k.kid as string));
  for (const kid of dropped) delete meta[kid];

  let signingKid = secrets.signingKid;
  let action: RotationOutcome['action'] = 'none';
  let kid: string | undefined;
  const pending = keys.find((k) => k.kid !== signingKid && meta[k.kid as string]?.retiredAt === undefined);
  const signingMeta = meta[signingKid] as KeyMeta;

  if (pending && !published.has(pending.kid as string)) {
    // The successor is missing from the published set (a failed or reverted write): publish it
    // again, and start its lead time over.
    meta[pending.kid as string] = { createdAt: nowSeconds };
    action = 'published';
    kid = pending.kid as string;
  } else if (pending) {
    const pendingKid = pending.kid as string;
    const pendingMeta = meta[pendingKid] as KeyMeta;
    if (nowSeconds - pendingMeta.createdAt >= policy.publishLeadSeconds) {
      meta[signingKid] = { ...signingMeta, retiredAt: nowSeconds };
      signingKid = pendingKid;
      action = 'promoted';
      kid = pendingKid;
    }
  } else if (nowSeconds - signingMeta.createdAt >= policy.rotationIntervalSeconds) {
    const key = await newKey();
    keys = [...keys, key];
    meta[key.kid as string] = { createdAt: nowSeconds };
    action = 'published';
    kid = key.kid as string;
  }

  if (action === 'none' && dropped.length === 0) return { action, dropped };
  const next: AuthSecrets = { ...secrets, signingKeys: { keys }, signingKid, keyMeta: meta };
  await store.writePublicJwks(publicSetOf(next));
  await store.writeSecrets(serializeSecrets(next));
  return { action, ...(kid !== undefined && { kid }), dropped };
}

/** What an emergency revocation did. */
export interface KeyRevocationOutcome {
  readonly revoked: string;
  /** The key that signs now: a fresh one when the revoked key was signing. */
  readonly signingKid: string;
}

/**
 * Emergency: retires a compromised key at once, without the rotation's publish lead. The key
 * leaves the secrets and the published set, so every token it signed fails verification as soon
 * as each verifier's key cache refreshes (minutes). If it was the signing key, a fresh key signs
 * from now on; verifiers that have not seen it yet fetch it on its unknown `kid` (rate-limited),
 * so for up to one cache lifetime some new tokens may be refused and their clients refresh
 * again. The public set is written first, as in `rotateKeys`.
 */
export async function revokeKey(
  store: KeyStore,
  kid: string,
  nowSeconds: number,
  newKey: () => Promise<JWK> = () => generateSigningKey('RS256'),
): Promise<KeyRevocationOutcome> {
  const secrets = readStoredSecrets(await store.readSecrets());
  if (!secrets) throw new Error('no secrets: the key set-up has not run');
  if (!secrets.signingKeys.keys.some((k) => k.kid === kid)) {
    throw new Error(`no key ${kid}: the keys are ${secrets.signingKeys.keys.map((k) => k.kid).join(', ')}`);
  }
  let keys = secrets.signingKeys.keys.filter((k) => k.kid !== kid);
  const meta: Record<string, KeyMeta> = { ...secrets.keyMeta };
  delete meta[kid];
  let signingKid = secrets.signingKid;
  if (kid === signingKid) {
    const fresh = await newKey();
    keys = [...keys, fresh];
    signingKid = fresh.kid as string;
    meta[signingKid] = { createdAt: nowSeconds };
  }
  const next: AuthSecrets = { ...secrets, signingKeys: { keys }, signingKid, keyMeta: meta };
  await store.writePublicJwks(publicSetOf(next));
  await store.writeSecrets(serializeSecrets(next));
  return { revoked: kid, signingKid };
}

/** Each key's id, state and dates, for operators (never key material). */
export function describeKeys(
  document: string,
): { kid: string; state: 'signing' | 'published' | 'retired'; createdAt?: number; retiredAt?: number }[] {
  const secrets = readStoredSecrets(document);
  if (!secrets) return [];
  return secrets.signingKeys.keys.map((k) => {
    const kid = k.kid as string;
    const m = secrets.keyMeta?.[kid];
    const state = kid === secrets.signingKid ? 'signing' : m?.retiredAt !== undefined ? 'retired' : 'published';
    return {
      kid,
      state,
      ...(m?.createdAt !== undefined && { createdAt: m.createdAt }),
      ...(m?.retiredAt !== undefined && { retiredAt: m.retiredAt }),
    };
  });
}
