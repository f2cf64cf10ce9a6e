import { decodeProtectedHeader, type JSONWebKeySet } from 'jose';
import { createAccessTokens } from '../../functions/lib/tokens/access-tokens';
import { CachedKeySource } from '../../functions/lib/tokens/cached-key-source';
import {
  MalformedSecretsError,
  describeKeys,
  revokeKey,
  rotateKeys,
  setUpKeys,
  type KeyStore,
  type RotationPolicy,
} from '../../functions/lib/tokens/key-rotation';
import { parseSecrets } from '../../functions/lib/tokens/secrets';
import { PLACEHOLDER_TEMPLATE } from '../../functions/lib/contract/secret-placeholder';
import { manualClock } from '../helpers/harness';

const DAY = 86_400;
const policy: RotationPolicy = { rotationIntervalSeconds: 90 * DAY, publishLeadSeconds: 3600, retireAfterSeconds: 900 + 30 + 300 };

/** In-memory stand-ins for Secrets Manager (the secrets) and SSM (the public set). */
function memoryStore(): KeyStore & { secrets?: string; publicJwks?: JSONWebKeySet; failPublicWrites: number; writes: string[] } {
  const store = {
    secrets: undefined as string | undefined,
    publicJwks: undefined as JSONWebKeySet | undefined,
    failPublicWrites: 0,
    writes: [] as string[],
    readSecrets: async () => store.secrets,
    writeSecrets: async (doc: string) => {
      store.writes.push('secrets');
      store.secrets = doc;
    },
    readPublicJwks: async () => store.publicJwks,
    writePublicJwks: async (jwks: JSONWebKeySet) => {
      if (store.failPublicWrites > 0) {
        store.failPublicWrites--;
        throw new Error('ssm unavailable');
      }
      store.writes.push('public');
      store.publicJwks = jwks;
    },
  };
  return store;
}

const clock = manualClock(Date.UTC(2026, 0, 1));
const nowSeconds = () => Math.floor(clock() / 1000);
const options = {
  issuer: 'https://auth.example',
  audience: 'https://api.example',
  accessTokenTtlSeconds: 900,
  clockToleranceSeconds: 30,
  now: clock,
};

/** A signing function: reads the secrets, as login does, through a 5-minute cache. */
const signer = (store: KeyStore) =>
  createAccessTokens({
    ...options,
    keys: new CachedKeySource({
      load: async () => {
        const s = parseSecrets((await store.readSecrets()) as string);
        return { jwks: s.signingKeys, signingKid: s.signingKid };
      },
      ttlMs: 300_000,
      now: clock,
    }),
  });

/** A verify-only function: reads the public set, through a 5-minute cache. */
const verifier = (store: KeyStore) =>
  createAccessTokens({
    ...options,
    keys: new CachedKeySource({
      load: async () => ({ jwks: (await store.readPublicJwks()) as JSONWebKeySet }),
      ttlMs: 300_000,
      now: clock,
    }),
  });

const subject = { sub: 'u', username: 'u', roles: [], sid: 's' };
const kidOf = (token: string) => decodeProtectedHeader(token).kid;

describe('key set-up (the first deploy)', () => {
  it('creates the secrets and publishes their public half, public first', async () => {
    const store = memoryStore();
    await expect(setUpKeys(store, nowSeconds())).resolves.toBe('created');
    expect(store.writes).toEqual(['public', 'secrets']);
    const secrets = parseSecrets(store.secrets as string);
    expect(store.publicJwks?.keys.map((k) => k.kid)).toEqual([secrets.signingKid]);
    expect(JSON.stringify(store.publicJwks)).not.toContain('"d"');
  });

  it('never changes existing secrets on a redeploy', async () => {
    const store = memoryStore();
    await setUpKeys(store, nowSeconds());
    const before = store.secrets;
    await expect(setUpKeys(store, nowSeconds())).resolves.toBe('kept');
    expect(store.secrets).toBe(before);
  });

  it("creates the secrets in a secret that holds nothing yet, or only the stack's placeholder", async () => {
    for (const empty of ['', JSON.stringify({ ...PLACEHOLDER_TEMPLATE, filler: 'Zq8#random' })]) {
      const store = memoryStore();
      store.secrets = empty;
      await expect(setUpKeys(store, nowSeconds())).resolves.toBe('created');
    }
  });

  it('fails, and overwrites nothing, when the stored secret has content that does not parse', async () => {
    for (const broken of ['generated-placeholder-password', '{"signingKeys":', JSON.stringify({ signingKid: 'k', peppers: [] })]) {
      const store = memoryStore();
      store.secrets = broken;
      await expect(setUpKeys(store, nowSeconds())).rejects.toThrow(MalformedSecretsError);
      expect(store.secrets).toBe(broken);
      expect(store.writes).toEqual([]);
    }
  });

  it('refuses to rotate a malformed secret rather than treat it as missing', async () => {
    const store = memoryStore();
    store.secrets = '{"peppers": "short"}';
    await expect(rotateKeys(store, nowSeconds(), policy)).rejects.toThrow(MalformedSecretsError);
    expect(store.writes).toEqual([]);
  });
});

describe('key rotation without downtime', () => {
  it('publishes, then promotes, then drops: tokens signed before verify after, tokens signed after verify everywhere', async () => {
    const store = memoryStore();
    await setUpKeys(store, nowSeconds());
    const login = signer(store);
    const authorizer = verifier(store);
    const oldKid = parseSecrets(store.secrets as string).signingKid;

    // Warm caches, as running functions have.
    const early = (await login.issue(subject)).accessToken;
    await authorizer.verify(early);

    clock.advance(90 * DAY);
    const published = await rotateKeys(store, nowSeconds(), policy);
    expect(published).toMatchObject({ action: 'published' });
    const newKid = published.kid as string;
    expect(store.publicJwks?.keys.map((k) => k.kid)).toEqual([oldKid, newKid]);
    // Published, but not signing yet.
    clock.advance(400);
    expect(kidOf((await login.issue(subject)).accessToken)).toBe(oldKid);

    // Too early to promote: the lead time has not passed.
    await expect(rotateKeys(store, nowSeconds(), policy)).resolves.toMatchObject({ action: 'none' });

    clock.advance(DAY);
    const before = (await login.issue(subject)).accessToken;
    await expect(rotateKeys(store, nowSeconds(), policy)).resolves.toMatchObject({ action: 'promoted', kid: newKid });

    clock.advance(301); // the signer's cache expires
    const after = (await login.issue(subject)).accessToken;
    expect(kidOf(after)).toBe(newKid);
    await expect(authorizer.verify(before)).resolves.toBeDefined();
    await expect(authorizer.verify(after)).resolves.toBeDefined();
    await expect(verifier(store).verify(before)).resolves.toBeDefined();

    clock.advance(policy.retireAfterSeconds);
    await expect(rotateKeys(store, nowSeconds(), policy)).resolves.toMatchObject({ action: 'none', dropped: [oldKid] });
    expect(store.publicJwks?.keys.map((k) => k.kid)).toEqual([newKid]);
    await expect(verifier(store).verify((await login.issue(subject)).accessToken)).resolves.toBeDefined();
  });

  it('a verifier whose cache predates a promotion still accepts the new key (unknown kid refetch)', async () => {
    const store = memoryStore();
    await setUpKeys(store, nowSeconds());
    const authorizer = verifier(store);
    await authorizer.verify((await signer(store).issue(subject)).accessToken);

    await rotateKeys(store, nowSeconds() + 90 * DAY, policy);
    await rotateKeys(store, nowSeconds() + 91 * DAY, policy);
    const fromNewKey = (await signer(store).issue(subject)).accessToken;
    await expect(authorizer.verify(fromNewKey)).resolves.toBeDefined();
  });

  it('never promotes a key that did not reach the published set', async () => {
    const store = memoryStore();
    await setUpKeys(store, nowSeconds());
    store.failPublicWrites = 1;
    await expect(rotateKeys(store, nowSeconds() + 90 * DAY, policy)).rejects.toThrow('ssm unavailable');
    // The secrets were not written either, so the next run simply starts over.
    await expect(rotateKeys(store, nowSeconds() + 91 * DAY, policy)).resolves.toMatchObject({ action: 'published' });

    // Someone resets the public set: the pending key is no longer published, so it must not
    // sign; the run publishes it again and its lead time starts over.
    const signingKid = parseSecrets(store.secrets as string).signingKid;
    store.publicJwks = { keys: (store.publicJwks?.keys ?? []).filter((k) => k.kid === signingKid) };
    await expect(rotateKeys(store, nowSeconds() + 93 * DAY, policy)).resolves.toMatchObject({ action: 'published' });
    expect(parseSecrets(store.secrets as string).signingKid).toBe(signingKid);
    expect(store.publicJwks?.keys).toHaveLength(2);
    await expect(rotateKeys(store, nowSeconds() + 93 * DAY + 60, policy)).resolves.toMatchObject({ action: 'none' });
    await expect(rotateKeys(store, nowSeconds() + 94 * DAY, policy)).resolves.toMatchObject({ action: 'promoted' });
  });
});

describe('emergency key revocation', () => {
  it('retires the signing key at once: a fresh key signs, and tokens of the old one stop verifying', async () => {
    const store = memoryStore();
    await setUpKeys(store, nowSeconds());
    const old = parseSecrets(store.secrets as string).signingKid;
    const before = (await signer(store).issue(subject)).accessToken;
    store.writes.length = 0;

    const outcome = await revokeKey(store, old, nowSeconds());
    expect(outcome.revoked).toBe(old);
    expect(outcome.signingKid).not.toBe(old);
    expect(store.writes).toEqual(['public', 'secrets']);
    expect(store.publicJwks?.keys.map((k) => k.kid)).toEqual([outcome.signingKid]);
    expect(describeKeys(store.secrets as string)).toEqual([{ kid: outcome.signingKid, state: 'signing', createdAt: nowSeconds() }]);

    const fresh = verifier(store);
    await expect(fresh.verify(before)).rejects.toMatchObject({ code: 'ERR_JWT_KID_UNKNOWN' });
    const after = (await signer(store).issue(subject)).accessToken;
    expect(kidOf(after)).toBe(outcome.signingKid);
    await expect(fresh.verify(after)).resolves.toMatchObject({ sub: 'u' });
  });

  it('removes a key that does not sign, and refuses an unknown key id without writing anything', async () => {
    const store = memoryStore();
    await setUpKeys(store, nowSeconds());
    clock.advance(91 * DAY);
    const { kid: pending } = await rotateKeys(store, nowSeconds(), policy);
    const signing = parseSecrets(store.secrets as string).signingKid;
    await expect(revokeKey(store, pending as string, nowSeconds())).resolves.toEqual({ revoked: pending, signingKid: signing });
    expect(store.publicJwks?.keys.map((k) => k.kid)).toEqual([signing]);
    store.writes.length = 0;
    await expect(revokeKey(store, 'no-such-kid', nowSeconds())).rejects.toThrow(/no key no-such-kid/);
    expect(store.writes).toEqual([]);
  });
});
