import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { call, startLocalRuntime, type LocalRuntime } from '../helpers/local-runtime';

const ROOT = resolve(__dirname, '../..');
const TSX = require.resolve('tsx/cli');
let rt: LocalRuntime;

beforeAll(async () => {
  rt = await startLocalRuntime({ args: ['--in-memory'] });
  await call(rt.baseUrl, 'POST', '/api/auth/register', { body: { username: 'smokey', password: 'a smoke test passphrase' } });
});
afterAll(() => rt?.stop());

/** `npm run smoke -- <url> ...`, as an operator runs it after a deploy. */
function runSmoke(args: string[], env: Record<string, string> = {}) {
  const run = spawnSync(process.execPath, [TSX, 'local/smoke.ts', ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { code: run.status, out: run.stdout, err: run.stderr };
}

describe('npm run smoke', () => {
  it('passes against npm start with a fresh registered user, every check listed', () => {
    const { code, out, err } = runSmoke([`${rt.baseUrl}/`]);
    expect({ code, err }).toEqual({ code: 0, err: '' });
    expect(out).toMatch(/ok {2}JWKS: \d public key/);
    expect(out).toMatch(/ok {2}register: smoke-[0-9a-f]{8}/);
    expect(out).toContain('ok  /api/admin/ping: 403 without the admin role');
    expect(out).toContain('ok  logout: the refresh token is refused afterwards');
    expect(out).toContain('smoke test passed');
  });

  it('passes with an existing user whose password comes from SMOKE_PASSWORD, never the command line', () => {
    const { code, out } = runSmoke([rt.baseUrl, '--username', 'smokey'], { SMOKE_PASSWORD: 'a smoke test passphrase' });
    expect(code).toBe(0);
    expect(out).toContain('ok  login: smokey');
    expect(runSmoke([rt.baseUrl, '--username', 'smokey']).code).toBe(2);
  });

  it('passes in cookie mode, where the refresh token never appears in a body', async () => {
    const cookieRt = await startLocalRuntime({ args: ['--in-memory'], env: { AUTH_TOKEN_DELIVERY: 'cookie' } });
    try {
      const { code, out } = runSmoke([cookieRt.baseUrl]);
      expect(code).toBe(0);
      expect(out).toContain('refresh token in the cookie');
      expect(out).toContain('ok  logout: the refresh token is refused afterwards');
    } finally {
      await cookieRt.stop();
    }
  });

  it('fails, naming the check, when the service answers wrongly', () => {
    const wrong = runSmoke([rt.baseUrl, '--username', 'smokey'], { SMOKE_PASSWORD: 'not the passphrase' });
    expect(wrong.code).toBe(1);
    expect(wrong.err).toMatch(/^FAIL login: expected 200, got 401/);
    const nothing = runSmoke(['http://127.0.0.1:9/']);
    expect(nothing.code).toBe(1);
    expect(nothing.err).toMatch(/^FAIL could not reach/);
  });
});
