import { readFile } from 'node:fs/promises';
import fc from 'fast-check';
import { ROUTES } from '../../functions/lib/contract/routes';
import { contractFor } from '../helpers/contract';
import { call, runUsersCli, startLocalRuntime, type LocalRuntime } from '../helpers/local-runtime';

/**
 * Attacks on the running service (ASVS 6.3.1, 7.4.x; OWASP Authentication Cheat Sheet). The
 * runtime trusts X-Forwarded-For here so that one test machine can play many source IPs, as
 * API Gateway's sourceIp would be for many clients.
 */
const PASSWORD = 'the owner knows this one';
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return ((s[Math.floor((s.length - 1) / 2)] as number) + (s[Math.ceil((s.length - 1) / 2)] as number)) / 2;
};
const login = (rt: LocalRuntime, username: string, password: string, ip: string) =>
  call(rt.baseUrl, 'POST', '/api/auth/login', { body: { username, password }, headers: { 'X-Forwarded-For': ip } });

describe('against a runtime with the default lockout policy', () => {
  let rt: LocalRuntime;
  beforeAll(async () => {
    rt = await startLocalRuntime({
      env: { AUTH_TRUST_X_FORWARDED_FOR: 'true', AUTH_AUTHORIZER_CACHE_TTL_SECONDS: '2', AUTH_REVOCATION_CACHE_SECONDS: '1' },
    });
    for (const username of ['owner', 'racer', 'victim']) {
      expect((await call(rt.baseUrl, 'POST', '/api/auth/register', { body: { username, password: PASSWORD } })).status).toBe(201);
    }
    // The owner has logged in from home before: that IP is trusted for the account.
    expect((await login(rt, 'owner', PASSWORD, '198.51.100.1')).status).toBe(200);
  });
  afterAll(() => rt?.stop());

  it('bounds credential stuffing against one account from many IPs, and the owner still gets in from home', async () => {
    const outcomes: number[] = [];
    const started = Date.now();
    for (let i = 0; Date.now() - started < 6000; i++) {
      outcomes.push((await login(rt, 'owner', `guess-${i}-of-many`, `10.${(i >> 8) & 255}.${i & 255}.9`)).status);
    }
    const tried = outcomes.filter((s) => s === 401).length;
    const refused = outcomes.filter((s) => s === 429).length;
    process.stdout.write(`\ncredential stuffing, 6 s from ${outcomes.length} IPs: ${tried} passwords tried, ${refused} refused with 429\n`);
    // 20 free attempts for the account, then 1 s, 2 s, 4 s... between tries.
    expect(tried).toBeLessThanOrEqual(20 + 3);
    expect(refused).toBeGreaterThan(0);
    expect((await login(rt, 'owner', PASSWORD, '198.51.100.1')).status).toBe(200);
  });

  it('counts every one of 10 concurrent wrong passwords: the next attempt waits 2^(10-5) s', async () => {
    const ip = '203.0.113.10';
    const statuses = await Promise.all(
      Array.from({ length: 10 }, (_v, i) => login(rt, 'racer', `wrong-${i}-password`, ip).then((r) => r.status)),
    );
    expect(statuses.every((s) => s === 401 || s === 429)).toBe(true);
    const next = await login(rt, 'racer', PASSWORD, ip);
    expect(next.status).toBe(429);
    const failures = statuses.filter((s) => s === 401).length;
    expect(Number(next.headers.get('retry-after'))).toBeGreaterThan(2 ** (failures - 5) - 3);
  });

  it('lets exactly one of two concurrent password changes win', async () => {
    const pair = (await login(rt, 'victim', PASSWORD, '198.51.100.50')).body;
    const change = (n: string) =>
      call(rt.baseUrl, 'POST', '/api/auth/password', {
        token: pair.access_token as string,
        body: { current_password: PASSWORD, new_password: `${n} brand new passphrase` },
      });
    const [a, b] = await Promise.all([change('first'), change('second')]);
    expect([a.status, b.status].sort()).toEqual([200, 409]);
  });

  describe('revocation reaches access tokens within the bound (authorizer cache 2 s + function cache 1 s)', () => {
    const BOUND_MS = 3000;
    /** Polls /api/me until it answers 401; returns how long that took. */
    async function revokedAfter(token: string, revoke: () => Promise<unknown>): Promise<number> {
      expect((await call(rt.baseUrl, 'GET', '/api/me', { token })).status).toBe(200);
      const t0 = Date.now();
      await revoke();
      for (;;) {
        const status = (await call(rt.baseUrl, 'GET', '/api/me', { token })).status;
        if (status === 401) return Date.now() - t0;
        expect(Date.now() - t0).toBeLessThan(BOUND_MS + 1000);
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    const fresh = async (username: string) => {
      await call(rt.baseUrl, 'POST', '/api/auth/register', { body: { username, password: PASSWORD } });
      return (await login(rt, username, PASSWORD, '198.51.100.60')).body as { access_token: string; refresh_token: string };
    };
    const delays: Record<string, number> = {};
    afterAll(() => process.stdout.write(`\nrevocation delay (ms) with a 2 s authorizer cache: ${JSON.stringify(delays)}\n`));

    it('after logout', async () => {
      const p = await fresh('rev-logout');
      delays.logout = await revokedAfter(p.access_token, () =>
        call(rt.baseUrl, 'POST', '/api/auth/logout', { body: { refresh_token: p.refresh_token } }),
      );
      expect(delays.logout).toBeLessThanOrEqual(BOUND_MS + 500);
      expect((await call(rt.baseUrl, 'GET', '/api/auth/validate', { token: p.access_token })).status).toBe(401);
    });

    it('after logout-all', async () => {
      const p = await fresh('rev-all');
      const other = (await login(rt, 'rev-all', PASSWORD, '198.51.100.61')).body as { access_token: string };
      delays.logoutAll = await revokedAfter(other.access_token, async () => {
        await new Promise((r) => setTimeout(r, 1100)); // tokensValidAfter has one-second resolution
        return call(rt.baseUrl, 'POST', '/api/auth/logout-all', { token: p.access_token });
      });
      expect(delays.logoutAll).toBeLessThanOrEqual(BOUND_MS + 1600);
    });

    it('after a password change (other sessions)', async () => {
      const p = await fresh('rev-pw');
      const other = (await login(rt, 'rev-pw', PASSWORD, '198.51.100.62')).body as { access_token: string };
      delays.passwordChange = await revokedAfter(other.access_token, async () => {
        await new Promise((r) => setTimeout(r, 1100));
        return call(rt.baseUrl, 'POST', '/api/auth/password', {
          token: p.access_token,
          body: { current_password: PASSWORD, new_password: 'a different passphrase' },
        });
      });
      expect(delays.passwordChange).toBeLessThanOrEqual(BOUND_MS + 1600);
    });

    it('after an admin disables the user', async () => {
      const p = await fresh('rev-disable');
      delays.disable = await revokedAfter(p.access_token, () =>
        Promise.resolve(runUsersCli(['disable', 'rev-disable'], { AUTH_DATA_DIR: rt.dataDir })),
      );
      expect(delays.disable).toBeLessThanOrEqual(BOUND_MS + 2500);
    });
  });

  it('survives fuzzed bodies, headers and path parameters on every route: no 500, no stack trace, no secret', async () => {
    const secrets = JSON.parse(await readFile(`${rt.dataDir}/secrets.json`, 'utf8')) as {
      peppers: { secret: string }[];
      signingKeys: { keys: { d: string }[] };
    };
    const forbidden = [secrets.peppers[0]?.secret, secrets.signingKeys.keys[0]?.d, '    at ', 'Error:', '$2b$'].filter(
      (x): x is string => typeof x === 'string',
    );
    const jsonValue = fc.jsonValue({ maxDepth: 3 });
    const body = fc.oneof(
      fc.string({ maxLength: 200 }),
      jsonValue.map((v) => JSON.stringify(v)),
      fc
        .record(
          {
            username: fc.oneof(fc.string({ maxLength: 80 }), jsonValue),
            password: fc.oneof(fc.string({ maxLength: 80 }), jsonValue),
            refresh_token: fc.oneof(fc.string({ maxLength: 120 }), jsonValue),
          },
          { requiredKeys: [] },
        )
        .map((o) => JSON.stringify(o)),
    );
    const headers = fc.record(
      {
        'Content-Type': fc.constantFrom(
          'application/json',
          'text/plain',
          'application/json; charset=utf-8',
          'APPLICATION/JSON',
          '',
          'multipart/form-data',
        ),
        Authorization: fc.oneof(
          fc.constant('Bearer '),
          fc.string({ maxLength: 60 }).map((s) => `Bearer ${s}`),
          fc.string({ maxLength: 60 }),
        ),
        'X-Forwarded-For': fc.ipV4(),
      },
      { requiredKeys: [] },
    );
    const segment = fc.oneof(fc.string({ minLength: 1, maxLength: 40 }), fc.constantFrom('..', '%00', '%2F', 'admin', 'a'.repeat(300)));
    const route = fc.constantFrom(...ROUTES);

    await fc.assert(
      fc.asyncProperty(route, body, headers, segment, async (r, b, hdrs, seg) => {
        const path = r.path.replace(/\{[^}]+\}/g, () => encodeURIComponent(seg));
        const clean = Object.fromEntries(
          Object.entries(hdrs)
            .filter(([k, v]) => k !== 'Content-Type' || v !== '')
            .map(([k, v]) => [k, String(v).replace(/[^\x20-\x7e]/g, '')]),
        );
        const res = await fetch(`${rt.baseUrl}${path}`, { method: r.method, headers: clean, ...(r.method !== 'GET' && { body: b }) });
        const text = await res.text();
        expect(res.status).not.toBe(500);
        expect(res.status).toBeLessThan(600);
        if (r.handler === 'console') {
          // The admin console's page and files: the same file, whatever came with the request.
          expect(res.status).toBe(200);
        } else {
          if (text) expect(() => JSON.parse(text)).not.toThrow();
          // And every answer matches the published contract.
          (await contractFor(rt.baseUrl))(r.method, path, res.status, text ? JSON.parse(text) : {});
        }
        for (const secret of forbidden) expect(text.includes(secret)).toBe(false);
      }),
      { numRuns: 150, seed: 20261129 },
    );
  });
});

describe('against a runtime whose lockout never triggers (to measure timing alone)', () => {
  let rt: LocalRuntime;
  beforeAll(async () => {
    rt = await startLocalRuntime({
      env: {
        AUTH_TRUST_X_FORWARDED_FOR: 'true',
        AUTH_LOCKOUT_FREE_ATTEMPTS_PER_SOURCE: '1000',
        AUTH_LOCKOUT_FREE_ATTEMPTS_PER_ACCOUNT: '1000',
        AUTH_LOCKOUT_FREE_ATTEMPTS_PER_IP: '1000',
      },
    });
    await call(rt.baseUrl, 'POST', '/api/auth/register', { body: { username: 'known', password: PASSWORD } });
  });
  afterAll(() => rt?.stop());

  it('answers an unknown user and a wrong password in the same time (median of 30 each, ratio within 0.8-1.25)', async () => {
    const unknown: number[] = [];
    const wrong: number[] = [];
    const time = async (username: string) => {
      const t0 = process.hrtime.bigint();
      const res = await login(rt, username, 'not the password', '198.51.100.99');
      expect(res.status).toBe(401);
      return Number(process.hrtime.bigint() - t0) / 1e6;
    };
    await time('known');
    for (let i = 0; i < 30; i++) {
      unknown.push(await time(`nobody-${i}`));
      wrong.push(await time('known'));
    }
    const ratio = median(unknown) / median(wrong);
    process.stdout.write(
      `\nlogin timing: unknown user median ${median(unknown).toFixed(1)} ms, wrong password median ${median(wrong).toFixed(1)} ms, ratio ${ratio.toFixed(3)}\n`,
    );
    expect(ratio).toBeGreaterThanOrEqual(0.8);
    expect(ratio).toBeLessThanOrEqual(1.25);
  });
});
