import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { SignJWT, importJWK, type CryptoKey } from 'jose';
import { parseSecrets } from '../../functions/lib/tokens/secrets';
import {
  call,
  dynamoDbLocalRunningFor,
  runStartExpectingFailure,
  runUsersCli,
  startLocalRuntime,
  tempDataDir,
  type LocalRuntime,
  signInEnrollingTotp,
} from '../helpers/local-runtime';

// Not the banner's example password, so the log check below can find a leak.
const PASSWORD = 'e2e password that must not leak';
let rt: LocalRuntime;

beforeAll(async () => {
  rt = await startLocalRuntime();
  // erin exists for every suite below; the full-flow test signs up its own user.
  const erin = await call(rt.baseUrl, 'POST', '/api/auth/register', { body: { username: 'erin', password: PASSWORD } });
  expect(erin.status).toBe(201);
});

afterAll(async () => {
  await rt?.stop();
});

const login = async (username: string, password = PASSWORD) => {
  const res = await call(rt.baseUrl, 'POST', '/api/auth/login', { body: { username, password } });
  expect(res.status).toBe(200);
  return res.body as { access_token: string; refresh_token: string; expires_in: number };
};

describe('npm start', () => {
  it('prints a banner with the base URL, the routes and a curl walk-through', () => {
    const out = rt.output();
    expect(out).toContain(`Ready in`);
    expect(out).toContain(`${rt.baseUrl}`);
    expect(out).toMatch(/GET {4}\/api\/admin\/ping +role admin/);
    expect(out).toContain(`curl -s ${rt.baseUrl}/api/auth/login`);
    expect(out).toContain('register    on');
  });

  it('runs the whole flow: register, login, validate, /api/me, refresh, refresh again, logout, refused refresh', async () => {
    const reg = await call(rt.baseUrl, 'POST', '/api/auth/register', { body: { username: 'Hana', password: PASSWORD } });
    expect(reg.status).toBe(201);
    expect(reg.body).toMatchObject({ username: 'hana', roles: ['user'] });

    const pair = await login('hana');
    const validated = await call(rt.baseUrl, 'GET', '/api/auth/validate', { token: pair.access_token });
    expect(validated.status).toBe(200);
    expect(validated.body).toMatchObject({ active: true, sub: reg.body.sub, username: 'hana', roles: ['user'] });

    const me = await call(rt.baseUrl, 'GET', '/api/me', { token: pair.access_token });
    expect(me.status).toBe(200);
    expect(me.body).toEqual({ sub: reg.body.sub, username: 'hana', roles: ['user'] });

    const second = await call(rt.baseUrl, 'POST', '/api/auth/refresh', { body: { refresh_token: pair.refresh_token } });
    expect(second.status).toBe(200);
    const third = await call(rt.baseUrl, 'POST', '/api/auth/refresh', { body: { refresh_token: second.body.refresh_token } });
    expect(third.status).toBe(200);
    expect(third.headers.get('cache-control')).toBe('no-store');

    expect((await call(rt.baseUrl, 'POST', '/api/auth/logout', { body: { refresh_token: third.body.refresh_token } })).status).toBe(204);
    const refused = await call(rt.baseUrl, 'POST', '/api/auth/refresh', { body: { refresh_token: third.body.refresh_token } });
    expect(refused.status).toBe(401);
    expect(refused.body.error).toBe('invalid_grant');
  });

  it('writes one access-log line per request, with no token in it', async () => {
    const pair = await login('erin');
    await call(rt.baseUrl, 'GET', '/api/me', { token: pair.access_token });
    const lines = rt
      .output()
      .split('\n')
      .filter((l) => l.includes('"path":"/api/me"'));
    expect(lines.length).toBeGreaterThan(0);
    expect(rt.output()).not.toContain(pair.access_token);
    expect(rt.output()).not.toContain(pair.refresh_token);
    expect(rt.output()).not.toContain(PASSWORD);
  });
});

describe('the gateway in front of a protected route', () => {
  it('answers no token, a garbage token and an expired token with 401 and a Bearer challenge', async () => {
    const secrets = parseSecrets(await readFile(`${rt.dataDir}/secrets.json`, 'utf8'));
    const jwk = secrets.signingKeys.keys[0]!;
    const now = Math.floor(Date.now() / 1000);
    const expired = await new SignJWT({ username: 'erin', roles: ['user'], sid: 's', jti: 'j' })
      .setProtectedHeader({ alg: 'RS256', kid: jwk.kid!, typ: 'at+jwt' })
      .setIssuer(rt.baseUrl)
      .setAudience(`${rt.baseUrl}/api`)
      .setSubject('someone')
      .setIssuedAt(now - 3600)
      .setExpirationTime(now - 1800)
      .sign((await importJWK(jwk, 'RS256')) as CryptoKey);

    for (const token of [undefined, 'garbage', expired]) {
      const res = await call(rt.baseUrl, 'GET', '/api/me', token === undefined ? {} : { token });
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toBe('Bearer');
      expect(res.body).toEqual({ error: 'unauthorized', error_description: expect.any(String) });
    }
  });

  it('answers 403 on a route that needs a role the user lacks', async () => {
    const res = await call(rt.baseUrl, 'GET', '/api/admin/ping', { token: (await login('erin')).access_token });
    expect(res.status).toBe(403);
    expect(res.body.error).toBe('access_denied');
  });

  it('gives the right answer on both routes under the authorizer cache, in either order', async () => {
    const a = (await login('erin')).access_token;
    expect((await call(rt.baseUrl, 'GET', '/api/me', { token: a })).status).toBe(200);
    expect((await call(rt.baseUrl, 'GET', '/api/admin/ping', { token: a })).status).toBe(403);
    expect((await call(rt.baseUrl, 'GET', '/api/me', { token: a })).status).toBe(200);

    const b = (await login('erin')).access_token;
    expect((await call(rt.baseUrl, 'GET', '/api/admin/ping', { token: b })).status).toBe(403);
    expect((await call(rt.baseUrl, 'GET', '/api/me', { token: b })).status).toBe(200);
  });

  it('answers an unknown route with 404, a wrong method with 405 and an oversized body with 413', async () => {
    expect((await call(rt.baseUrl, 'GET', '/nowhere')).status).toBe(404);
    const wrong = await call(rt.baseUrl, 'GET', '/api/auth/login');
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get('allow')).toBe('POST');
    const big = await call(rt.baseUrl, 'POST', '/api/auth/login', { body: { username: 'x', password: 'y'.repeat(17 * 1024) } });
    expect(big.status).toBe(413);
    expect(big.body.error).toBe('request_too_large');
  });
});

describe('the admin CLI', () => {
  it('creates an admin (password on stdin) whose token opens the admin-only route', () => {
    const created = runUsersCli(
      ['create', 'root', '--role', 'admin', '--role', 'user'],
      { AUTH_DATA_DIR: rt.dataDir },
      'an admin password\n',
    );
    expect(created.stderr).not.toContain('an admin password');
    expect(created.stdout).toContain('created root');
    expect(created.status).toBe(0);
    // An admin's first sign-in may only enrol a second factor; with it, the admin route opens.
    return login('root', 'an admin password').then(async (pair) => {
      const before = await call(rt.baseUrl, 'GET', '/api/admin/ping', { token: pair.access_token });
      expect([before.status, before.body.error]).toEqual([403, 'mfa_enrollment_required']);
      const enrolled = await signInEnrollingTotp(rt.baseUrl, 'root', 'an admin password');
      const ping = await call(rt.baseUrl, 'GET', '/api/admin/ping', { token: enrolled.access_token });
      expect(ping.status).toBe(200);
      expect(ping.body).toMatchObject({ username: 'root', roles: ['admin', 'user'] });
    });
  });

  it('lists users, and disabling one stops their refreshes', async () => {
    const pair = await login('erin');
    const list = runUsersCli(['list'], { AUTH_DATA_DIR: rt.dataDir });
    expect(list.stdout).toMatch(/erin\s+active\s+user/);

    expect(runUsersCli(['disable', 'erin'], { AUTH_DATA_DIR: rt.dataDir }).status).toBe(0);
    expect((await call(rt.baseUrl, 'POST', '/api/auth/refresh', { body: { refresh_token: pair.refresh_token } })).status).toBe(401);
    expect((await call(rt.baseUrl, 'POST', '/api/auth/login', { body: { username: 'erin', password: PASSWORD } })).status).toBe(401);
    expect(runUsersCli(['enable', 'erin'], { AUTH_DATA_DIR: rt.dataDir }).status).toBe(0);
    await login('erin');
  });

  it('ends every session of a user with revoke-sessions', async () => {
    const pair = await login('erin');
    const r = runUsersCli(['revoke-sessions', 'erin'], { AUTH_DATA_DIR: rt.dataDir });
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^ended [1-9]\d* session\(s\)$/m);
    expect((await call(rt.baseUrl, 'POST', '/api/auth/refresh', { body: { refresh_token: pair.refresh_token } })).status).toBe(401);
  });

  it('prints only what a command did; --verbose adds the audit events as JSON lines on stderr', () => {
    const quiet = runUsersCli(['disable', 'erin'], { AUTH_DATA_DIR: rt.dataDir });
    expect([quiet.status, quiet.stdout.trim(), quiet.stderr]).toEqual([0, expect.stringMatching(/^disabled erin/), '']);
    const verbose = runUsersCli(['enable', 'erin', '--verbose'], { AUTH_DATA_DIR: rt.dataDir });
    expect(verbose.status).toBe(0);
    const events = verbose.stderr
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(events).toContainEqual(expect.objectContaining({ level: 'INFO', event: 'user_enabled' }));
  });

  it('refuses an unknown command or user with one error line and a non-zero exit', () => {
    const r = runUsersCli(['disable', 'nobody'], { AUTH_DATA_DIR: rt.dataDir });
    expect(r.status).toBe(1);
    expect(r.stderr.trim()).toBe('error: no user named nobody');
  });
});

describe('a restart on the same data directory', () => {
  it('keeps users, sessions and keys: tokens from before the restart still validate and refresh', async () => {
    const dataDir = await tempDataDir();
    const first = await startLocalRuntime({ dataDir });
    await call(first.baseUrl, 'POST', '/api/auth/register', { body: { username: 'fay', password: PASSWORD } });
    const pair = (await call(first.baseUrl, 'POST', '/api/auth/login', { body: { username: 'fay', password: PASSWORD } })).body;
    expect(await first.stop()).toBe(0);
    expect(dynamoDbLocalRunningFor(dataDir)).toBe(false);

    const second = await startLocalRuntime({ dataDir, port: first.port });
    try {
      expect((await call(second.baseUrl, 'GET', '/api/auth/validate', { token: pair.access_token as string })).status).toBe(200);
      expect((await call(second.baseUrl, 'POST', '/api/auth/refresh', { body: { refresh_token: pair.refresh_token } })).status).toBe(200);
      expect((await call(second.baseUrl, 'POST', '/api/auth/login', { body: { username: 'fay', password: PASSWORD } })).status).toBe(200);
    } finally {
      await second.stop();
    }
  });
});

describe('start-up failures', () => {
  it('fails cleanly on a busy port: one error line, a non-zero exit, no stack trace', () => {
    const r = runStartExpectingFailure({ PORT: String(rt.port), AUTH_DATA_DIR: rt.dataDir });
    expect(r.status).toBe(1);
    expect(r.stderr.trim()).toBe(`error: port ${rt.port} is already in use: stop what runs there or set PORT to another port`);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('fails cleanly on a data directory that cannot be written', async () => {
    // Root may write anywhere, so use a path below a plain file: no one can create that.
    const file = join(await tempDataDir(), 'a-file');
    await writeFile(file, '');
    const r = runStartExpectingFailure({ PORT: '0', AUTH_DATA_DIR: join(file, 'data') });
    expect(r.status).toBe(1);
    expect(r.stderr.trim()).toMatch(/^error: cannot write the data directory .*a-file\/data \(ENOTDIR\)/);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('fails cleanly on an unknown option', () => {
    const r = runStartExpectingFailure({ PORT: '0' }, ['--bogus']);
    expect(r.status).toBe(1);
    expect(r.stderr.trim()).toBe('error: unknown option --bogus (options: --in-memory, --no-register)');
  });
});

describe('--in-memory and --no-register', () => {
  it('keeps nothing on disk and serves no registration', async () => {
    const dataDir = await tempDataDir();
    const mem = await startLocalRuntime({ dataDir, args: ['--in-memory', '--no-register'] });
    try {
      expect(mem.output()).toContain('in memory');
      const res = await call(mem.baseUrl, 'POST', '/api/auth/register', { body: { username: 'gus', password: PASSWORD } });
      expect(res.status).toBe(404);
      const { readdir } = await import('node:fs/promises');
      expect(await readdir(dataDir)).toEqual([]);
    } finally {
      await mem.stop();
    }
  });
});
