import { createHandler as createLogin } from '../../functions/login';
import { createHandler as createLogout } from '../../functions/logout';
import { createHandler as createRefresh } from '../../functions/refresh';
import { createHandler as createValidate } from '../../functions/validate';
import { createUser } from '../../functions/lib/flows/users';
import { hashRefreshToken } from '../../functions/lib/domain/refresh-tokens';
import { jsonPost, proxyEvent } from '../helpers/events';
import { createHarness, type Harness } from '../helpers/harness';
import { invoke } from '../helpers/http';

let h: Harness;
let login: ReturnType<typeof createLogin>;
let refresh: ReturnType<typeof createRefresh>;
let logout: ReturnType<typeof createLogout>;
let validate: ReturnType<typeof createValidate>;
const PASSWORD = 'correct horse battery staple';

const doLogin = (username = 'alice', password = PASSWORD) => invoke(login, jsonPost('/api/auth/login', { username, password }));
const doRefresh = (token: unknown) => invoke(refresh, jsonPost('/api/auth/refresh', { refresh_token: token }));
const doLogout = (token: unknown) => invoke(logout, jsonPost('/api/auth/logout', { refresh_token: token }));
const doValidate = (token: unknown) =>
  invoke(validate, proxyEvent({ method: 'GET', path: '/api/auth/validate', headers: { Authorization: `Bearer ${String(token)}` } }));

beforeAll(async () => {
  h = await createHarness();
  login = createLogin(h.core);
  refresh = createRefresh(h.core);
  logout = createLogout(h.core);
  validate = createValidate(h.verify);
  await createUser({ username: 'Alice', password: PASSWORD, roles: ['user'] }, { requestId: 'setup' }, h.core);
});

describe('the session lifecycle', () => {
  it('runs login, validate, refresh, refresh again, logout, and then refuses the refresh', async () => {
    const first = await doLogin();
    expect(first.status).toBe(200);
    expect(first.headers['Cache-Control']).toBe('no-store');
    expect(first.body).toEqual({
      access_token: expect.any(String),
      token_type: 'Bearer',
      expires_in: 900,
      refresh_token: expect.stringMatching(/^[A-Za-z0-9_-]{91}$/),
    });

    const validated = await doValidate(first.body.access_token);
    expect(validated.status).toBe(200);
    expect(validated.body).toEqual({
      active: true,
      sub: expect.any(String),
      username: 'alice',
      roles: ['user'],
      exp: expect.any(Number),
      iat: expect.any(Number),
      sid: expect.any(String),
    });
    expect((validated.body.exp as number) - (validated.body.iat as number)).toBe(first.body.expires_in);

    h.clock.advance(60);
    const second = await doRefresh(first.body.refresh_token);
    expect(second.status).toBe(200);
    expect(second.body.refresh_token).not.toBe(first.body.refresh_token);
    expect((await doValidate(second.body.access_token)).body.sid).toBe(validated.body.sid);

    h.clock.advance(60);
    const third = await doRefresh(second.body.refresh_token);
    expect(third.status).toBe(200);

    const out = await doLogout(third.body.refresh_token);
    expect(out.status).toBe(204);

    const after = await doRefresh(third.body.refresh_token);
    expect(after.status).toBe(401);
    expect(after.body).toEqual({ error: 'invalid_grant', error_description: expect.any(String) });
  });

  it('normalises the username: " ALICE " logs in as alice', async () => {
    const res = await doLogin(' ALICE ');
    expect(res.status).toBe(200);
  });

  it('ends a session at its absolute lifetime, however often it refreshes', async () => {
    let token = (await doLogin()).body.refresh_token;
    for (let day = 0; day < 29; day++) {
      h.clock.advance(24 * 3600);
      const res = await doRefresh(token);
      expect(res.status).toBe(200);
      token = res.body.refresh_token;
    }
    h.clock.advance(24 * 3600);
    expect((await doRefresh(token)).status).toBe(401);
  });

  it('keeps only hashes of refresh tokens in the table', async () => {
    const res = await doLogin();
    const sid = (await doValidate(res.body.access_token)).body.sid as string;
    const session = await h.core.sessions.getSession(sid);
    expect(session?.currentHash).toBe(hashRefreshToken(res.body.refresh_token as string));
    expect(JSON.stringify(session)).not.toContain(res.body.refresh_token as string);
  });
});

describe('rotation and reuse detection (RFC 9700 §4.14.2)', () => {
  it('revokes the whole session when a rotated token is used again, so the newest token fails too', async () => {
    const t0 = (await doLogin()).body.refresh_token;
    const t1 = (await doRefresh(t0)).body.refresh_token;
    h.clock.advance(60); // past the grace window
    const t2 = (await doRefresh(t1)).body.refresh_token;
    expect(t2).toEqual(expect.any(String));

    const replay = await doRefresh(t0);
    expect(replay.status).toBe(401);
    expect(h.logger.lines.some((l) => l.message === 'refresh_reuse_detected')).toBe(true);

    expect((await doRefresh(t2)).status).toBe(401);
  });

  it('detects reuse of a token several generations old', async () => {
    const t0 = (await doLogin()).body.refresh_token;
    let latest = t0;
    for (let i = 0; i < 4; i++) {
      h.clock.advance(60);
      latest = (await doRefresh(latest)).body.refresh_token;
    }
    expect((await doRefresh(t0)).status).toBe(401);
    expect((await doRefresh(latest)).status).toBe(401);
  });

  it('gives a retry within the grace window the same successor, and treats a retry after it as reuse', async () => {
    const t0 = (await doLogin()).body.refresh_token;
    const first = await doRefresh(t0);
    h.clock.advance(5);
    const retry = await doRefresh(t0);
    expect(retry.status).toBe(200);
    expect(retry.body.refresh_token).toBe(first.body.refresh_token);

    h.clock.advance(10);
    expect((await doRefresh(t0)).status).toBe(401);
    expect((await doRefresh(first.body.refresh_token)).status).toBe(401);
  });

  it('leaves at most one live head after 20 concurrent refreshes of one token', async () => {
    const t0 = (await doLogin()).body.refresh_token;
    const answers = await Promise.all(Array.from({ length: 20 }, () => doRefresh(t0)));

    // One wins the conditional write; the others lose it and, inside the grace window, get
    // the winner's successor back: every caller succeeds and there is still one head.
    expect(answers.map((a) => a.status)).toEqual(Array(20).fill(200));
    const successors = new Set(answers.map((a) => a.body.refresh_token));
    expect(successors.size).toBe(1);
    expect(h.logger.lines.filter((l) => l.message === 'refresh_grace_retry').length).toBeGreaterThanOrEqual(19);

    h.clock.advance(60);
    const [head] = [...successors];
    expect((await doRefresh(head)).status).toBe(200);
  });

  it('refuses a forged token that names a real session, without revoking it', async () => {
    const res = await doLogin();
    const forged = `${(res.body.refresh_token as string).slice(0, 60)}${'A'.repeat(31)}`;
    expect((await doRefresh(forged)).status).toBe(401);
    expect((await doRefresh(res.body.refresh_token)).status).toBe(200);
  });
});

describe('logout', () => {
  it('answers 204 for an unknown, malformed or already revoked token (RFC 7009 §2.2)', async () => {
    const token = (await doLogin()).body.refresh_token;
    expect((await doLogout(token)).status).toBe(204);
    expect((await doLogout(token)).status).toBe(204);
    expect((await doLogout('not-a-token')).status).toBe(204);
  });

  it('still needs a refresh_token field', async () => {
    expect((await doLogout(undefined)).status).toBe(400);
  });
});

describe('login failures', () => {
  it('gives the same 401 for a wrong password, an unknown user and a disabled user', async () => {
    await createUser({ username: 'dora', password: PASSWORD }, { requestId: 'setup' }, h.core);
    const dora = await h.core.users.getUser('dora');
    await h.client.send(
      new (await import('@aws-sdk/lib-dynamodb')).PutCommand({ TableName: h.config.usersTable, Item: { ...dora, status: 'disabled' } }),
    );

    const wrong = await doLogin('alice', 'not the password');
    const unknown = await doLogin('nobody-here', PASSWORD);
    const disabled = await doLogin('dora', PASSWORD);
    const malformed = await doLogin('no spaces allowed', PASSWORD);

    for (const res of [wrong, unknown, disabled, malformed]) {
      expect(res.status).toBe(401);
      expect(res.body).toEqual({ error: 'invalid_grant', error_description: 'invalid username or password' });
    }
    const reasons = h.logger.lines.filter((l) => l.message === 'login_failed').map((l) => (l.extra[0] as { reason: string }).reason);
    expect(reasons).toEqual(expect.arrayContaining(['wrong_password', 'unknown_user', 'user_disabled']));
  });

  it('refuses a 100-character password that differs from the stored one only in character 80', async () => {
    const long = 'L'.repeat(100);
    await createUser({ username: 'longpass', password: long }, { requestId: 'setup' }, h.core);
    expect((await doLogin('longpass', long)).status).toBe(200);
    expect((await doLogin('longpass', `${'L'.repeat(79)}x${'L'.repeat(20)}`)).status).toBe(401);
  });

  it('rejects a password over 1024 characters as invalid input', async () => {
    const res = await doLogin('alice', 'p'.repeat(1025));
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('invalid_request');
  });
});

describe('logging', () => {
  it('writes one line per auth event and never a token, password or hash', async () => {
    const res = await doLogin();
    await doRefresh(res.body.refresh_token);
    const text = h.logger.text();

    expect(h.logger.lines.filter((l) => l.message === 'login_succeeded').length).toBeGreaterThan(0);
    for (const line of h.logger.lines) expect(line.extra[0]).toMatchObject({ event: line.message, requestId: expect.any(String) });
    expect(text).not.toContain(PASSWORD);
    expect(text).not.toContain(res.body.refresh_token as string);
    expect(text).not.toContain((res.body.access_token as string).split('.')[2]);
    expect(text).not.toContain(hashRefreshToken(res.body.refresh_token as string));
    expect(text).not.toContain('$2b$');
  });
});
