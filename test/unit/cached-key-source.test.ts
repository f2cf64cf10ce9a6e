import { createServer, type Server } from 'node:http';
import type { JWK } from 'jose';
import { CachedKeySource } from '../../functions/lib/tokens/cached-key-source';
import { toPublicJwks } from '../../functions/lib/tokens/key-source';
import { lazyDeps } from '../../functions/lib/http/lazy';
import { extensionSource } from '../../functions/lib/tokens/secret-sources';
import { generateSigningKey } from '../../functions/lib/tokens/secrets';
import { manualClock } from '../helpers/harness';

let k1: JWK;
let k2: JWK;

beforeAll(async () => {
  [k1, k2] = await Promise.all([generateSigningKey(), generateSigningKey()]);
});

function counting(sets: JWK[][]) {
  let calls = 0;
  const load = async () => {
    const keys = sets[Math.min(calls, sets.length - 1)] as JWK[];
    calls++;
    return { jwks: toPublicJwks({ keys }) };
  };
  return { load, calls: () => calls };
}

describe('CachedKeySource', () => {
  it('fetches once for concurrent callers and again only after the TTL', async () => {
    const clock = manualClock();
    const store = counting([[k1]]);
    const keys = new CachedKeySource({ load: store.load, ttlMs: 300_000, now: clock });

    await Promise.all([keys.getVerificationKey(k1.kid as string), keys.getVerificationKey(k1.kid as string), keys.getPublicJwks()]);
    expect(store.calls()).toBe(1);
    clock.advance(299);
    await keys.getVerificationKey(k1.kid as string);
    expect(store.calls()).toBe(1);
    clock.advance(2);
    await keys.getVerificationKey(k1.kid as string);
    expect(store.calls()).toBe(2);
  });

  it('refetches for an unknown kid (a key just published), at most once per interval', async () => {
    const clock = manualClock();
    const store = counting([[k1], [k1, k2]]);
    const keys = new CachedKeySource({ load: store.load, ttlMs: 300_000, unknownKidRefetchIntervalMs: 10_000, now: clock });

    await expect(keys.getVerificationKey('made-up')).resolves.toBeUndefined();
    expect(store.calls()).toBe(2);
    // Within the interval, more unknown kids cost nothing.
    await keys.getVerificationKey('made-up-2');
    await keys.getVerificationKey(k2.kid as string);
    expect(store.calls()).toBe(2);
    await expect(keys.getVerificationKey(k2.kid as string)).resolves.toMatchObject({ kid: k2.kid });
  });

  it('finds a newly published key on the first refetch', async () => {
    const store = counting([[k1], [k1, k2]]);
    const keys = new CachedKeySource({ load: store.load, ttlMs: 300_000 });
    await keys.getPublicJwks();
    await expect(keys.getVerificationKey(k2.kid as string)).resolves.toMatchObject({ kid: k2.kid });
  });

  it('keeps the last good set when a refetch fails', async () => {
    const clock = manualClock();
    let fail = false;
    const keys = new CachedKeySource({
      load: async () => {
        if (fail) throw new Error('store down');
        return { jwks: toPublicJwks({ keys: [k1] }) };
      },
      ttlMs: 1000,
      now: clock,
    });
    await keys.getPublicJwks();
    fail = true;
    clock.advance(5);
    await expect(keys.getVerificationKey(k1.kid as string)).resolves.toMatchObject({ kid: k1.kid });
  });

  it('starts from an initial set without fetching', async () => {
    const store = counting([[k1]]);
    const keys = new CachedKeySource({ load: store.load, ttlMs: 300_000, initial: { jwks: { keys: [k1] }, signingKid: k1.kid as string } });
    await expect(keys.getSigningKey()).resolves.toMatchObject({ kid: k1.kid });
    expect(store.calls()).toBe(0);
  });
});

describe('lazyDeps', () => {
  it('builds while the container starts; a failure then reaches no caller, and the first call builds again', async () => {
    let attempts = 0;
    const get = lazyDeps(async () => {
      attempts++;
      if (attempts < 2) throw new Error('the extension serves invocations only');
      return { ok: true };
    });
    expect(attempts).toBe(1);
    await expect(get()).resolves.toEqual({ ok: true });
    await expect(get()).resolves.toEqual({ ok: true });
    expect(attempts).toBe(2);
  });

  it('fails a call whose own build fails, and builds again on the next, instead of failing every later call', async () => {
    let attempts = 0;
    const get = lazyDeps(async () => {
      attempts++;
      if (attempts < 3) throw new Error('not yet');
      return { ok: true };
    });
    await expect(get()).rejects.toThrow('not yet');
    await expect(get()).resolves.toEqual({ ok: true });
    await expect(get()).resolves.toEqual({ ok: true });
    expect(attempts).toBe(3);
  });
});

describe('extensionSource (Parameters and Secrets Lambda Extension API)', () => {
  let server: Server;
  let port: number;
  const seen: { url: string; token: string | undefined }[] = [];
  let flaky = 0;

  beforeAll(async () => {
    // A stand-in that answers as the extension documents: GetSecretValue / GetParameter JSON.
    server = createServer((req, res) => {
      seen.push({ url: req.url ?? '', token: req.headers['x-aws-parameters-secrets-token'] as string | undefined });
      if (req.url?.startsWith('/secretsmanager/get?secretId=my-secret'))
        return res.end(JSON.stringify({ Name: 'my-secret', SecretString: 'the document' }));
      if (req.url?.startsWith('/systemsmanager/parameters/get?name=%2Fauth%2Fjwks'))
        return res.end(JSON.stringify({ Parameter: { Name: '/auth/jwks', Value: '{"keys":[]}' } }));
      // Starting up: a 503, then the answer.
      if (req.url?.startsWith('/secretsmanager/get?secretId=flaky')) {
        flaky++;
        return flaky < 2 ? res.writeHead(503).end() : res.end(JSON.stringify({ SecretString: 'at last' }));
      }
      // Never answers.
      if (req.url?.startsWith('/secretsmanager/get?secretId=stuck')) return;
      res.writeHead(400).end('{"message":"not found"}');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const address = server.address();
    port = typeof address === 'object' && address ? address.port : 0;
  });
  afterAll(() => new Promise((r) => server.close(r)));

  it('reads a secret string and a parameter value with the session token', async () => {
    await expect(extensionSource('secret', 'my-secret', { port, token: 'tok' })()).resolves.toBe('the document');
    await expect(extensionSource('parameter', '/auth/jwks', { port, token: 'tok' })()).resolves.toBe('{"keys":[]}');
    expect(seen.every((s) => s.token === 'tok')).toBe(true);
  });

  it('fails with the status, never the body, and at once: a refusal is not retried', async () => {
    const before = seen.length;
    await expect(extensionSource('secret', 'missing', { port, token: 'tok' })()).rejects.toThrow(
      'the secrets extension answered 400 for secret missing',
    );
    expect(seen.length - before).toBe(1);
  });

  it('retries a 5xx, and bounds every call in time', async () => {
    await expect(extensionSource('secret', 'flaky', { port, token: 'tok' })()).resolves.toBe('at last');
    const started = Date.now();
    await expect(extensionSource('secret', 'stuck', { port, token: 'tok', timeoutMs: 100, attempts: 2 })()).rejects.toThrow(
      /secret stuck: .*\(2 attempts\)/,
    );
    expect(Date.now() - started).toBeLessThan(2000);
  });
});
