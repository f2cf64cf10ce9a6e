import bcrypt from 'bcryptjs';
import type { APIGatewayProxyEvent } from 'aws-lambda';
import { createHandler as createAdmin } from '../../functions/admin';
import { createHandler as createAuthorizer } from '../../functions/authorizer';
import { createHandler as createLogin } from '../../functions/login';
import { createHandler as createLogout } from '../../functions/logout';
import { createHandler as createPassword } from '../../functions/password';
import { createHandler as createRefresh } from '../../functions/refresh';
import { createHandler as createRegister } from '../../functions/register';
import { createHandler as createSessions } from '../../functions/sessions';
import { createHandler as createValidate } from '../../functions/validate';
import { createCoreDeps } from '../../functions/lib/wiring/core';
import { createUser } from '../../functions/lib/flows/users';
import { attemptKeys } from '../../functions/lib/domain/throttle';
import { evaluatePolicy } from '../../local/evaluate-policy';
import { authorizerEvent, jsonPost, proxyEvent } from '../helpers/events';
import { createHarness, localStoreClient, TEST_BCRYPT_COST, type Harness } from '../helpers/harness';
import { invoke } from '../helpers/http';

let h: Harness;
const PASSWORD = 'correct horse battery staple';
const NEW_PASSWORD = 'a brand new passphrase 42';

beforeAll(async () => {
  h = await createHarness();
});

/** An event from a given source IP (API Gateway sets `sourceIp`; clients cannot). */
function from(ip: string, event: APIGatewayProxyEvent): APIGatewayProxyEvent {
  return { ...event, requestContext: { ...event.requestContext, identity: { ...event.requestContext.identity, sourceIp: ip } } };
}
const login = (username: string, password: string, ip = '198.51.100.7') =>
  invoke(createLogin(h.core), from(ip, jsonPost('/api/auth/login', { username, password })));
const refresh = (token: unknown) => invoke(createRefresh(h.core), jsonPost('/api/auth/refresh', { refresh_token: token }));

/** The claims the authorizer passed on, as API Gateway puts them in the event of the next call. */
async function authorized(
  accessToken: string,
  method: string,
  resource: string,
  path = resource,
  body?: unknown,
): Promise<APIGatewayProxyEvent> {
  const result = await createAuthorizer(h.verify)(authorizerEvent({ method, resource, authorization: `Bearer ${accessToken}` }));
  return proxyEvent({
    method,
    resource,
    path,
    body: body === undefined ? null : JSON.stringify(body),
    authorizer: { ...(result.context as Record<string, string>), principalId: result.principalId },
  });
}
const authorizerRejects = (accessToken: string) =>
  createAuthorizer(h.verify)(authorizerEvent({ method: 'GET', resource: '/api/me', authorization: `Bearer ${accessToken}` })).then(
    () => 'allowed',
    (e: Error) => e.message,
  );
const validateStatus = async (accessToken: string) =>
  (
    await invoke(
      createValidate(h.verify),
      proxyEvent({ method: 'GET', path: '/api/auth/validate', headers: { Authorization: `Bearer ${accessToken}` } }),
    )
  ).status;

async function newUser(username: string, roles: string[] = ['user']) {
  await createUser({ username, password: PASSWORD, roles }, { requestId: 'setup' }, h.core);
  h.clock.advance(0.01);
  const res = await login(username, PASSWORD);
  expect(res.status).toBe(200);
  return res.body as { access_token: string; refresh_token: string };
}

describe('brute-force defence (ASVS 6.3.1)', () => {
  it('backs off after 5 failures from one source: 429 too_many_attempts with Retry-After, then lets the owner in', async () => {
    await newUser('bruno');
    for (let i = 0; i < 5; i++) expect((await login('bruno', 'wrong password!', '203.0.113.1')).status).toBe(401);
    const throttled = await login('bruno', PASSWORD, '203.0.113.1');
    expect(throttled.status).toBe(429);
    expect(throttled.body).toEqual({ error: 'too_many_attempts', error_description: expect.any(String) });
    expect(Number(throttled.headers['Retry-After'])).toBeGreaterThanOrEqual(1);

    h.clock.advance(Number(throttled.headers['Retry-After']));
    expect((await login('bruno', PASSWORD, '203.0.113.1')).status).toBe(200);
    // A successful login resets that source's counter.
    const records = await h.core.attempts.read([attemptKeys('bruno', '203.0.113.1').source], Math.floor(h.clock() / 1000));
    expect(records.size).toBe(0);
  });

  it('throttles an unknown username exactly like a real one, so throttling reveals no one', async () => {
    const real: number[] = [];
    const ghost: number[] = [];
    await newUser('realperson');
    for (let i = 0; i < 7; i++) {
      real.push((await login('realperson', 'wrong password!', '203.0.113.2')).status);
      ghost.push((await login('ghostperson', 'wrong password!', '203.0.113.3')).status);
    }
    expect(real).toEqual([401, 401, 401, 401, 401, 429, 429]);
    expect(ghost).toEqual(real);
  });

  it("bounds a distributed attack on one account, while the owner's own IP still gets in", async () => {
    await newUser('target'); // logs in from 198.51.100.7: a trusted source from now on
    for (let i = 0; i < 20; i++) expect((await login('target', 'wrong password!', `192.0.2.${i + 10}`)).status).toBe(401);
    // The 21st new IP is throttled by the account-wide counter...
    expect((await login('target', 'wrong password!', '192.0.2.200')).status).toBe(429);
    expect((await login('target', PASSWORD, '192.0.2.201')).status).toBe(429);
    // ...but the owner's own IP is not: no attacker can lock them out.
    expect((await login('target', PASSWORD, '198.51.100.7')).status).toBe(200);
  });

  it('counts every one of 20 concurrent wrong-password attempts (atomic counters)', async () => {
    await newUser('racer');
    const ip = '203.0.113.50';
    await Promise.all(Array.from({ length: 20 }, () => login('racer', 'wrong password!', ip)));
    const records = await h.core.attempts.read([attemptKeys('racer', ip).ip], Math.floor(h.clock() / 1000));
    expect(records.get(attemptKeys('racer', ip).ip)).toMatchObject({ failures: 20 });
  });
});

describe('revocation that access tokens honour (ASVS 7.4.1-7.4.5)', () => {
  it('logout revokes the session: the authorizer and validate reject its access token', async () => {
    const pair = await newUser('rita');
    expect(await authorizerRejects(pair.access_token)).toBe('allowed');
    expect((await invoke(createLogout(h.core), jsonPost('/api/auth/logout', { refresh_token: pair.refresh_token }))).status).toBe(204);
    expect(await authorizerRejects(pair.access_token)).toBe('Unauthorized');
    expect(await validateStatus(pair.access_token)).toBe(401);
  });

  it('logout-all ends every session and every access token of the caller', async () => {
    const a = await newUser('lola');
    const b = (await login('lola', PASSWORD)).body as { access_token: string; refresh_token: string };
    h.clock.advance(1);
    const res = await invoke(createSessions(h.core), await authorized(a.access_token, 'POST', '/api/auth/logout-all'));
    expect(res.status).toBe(204);
    for (const t of [a, b]) {
      expect(await authorizerRejects(t.access_token)).toBe('Unauthorized');
      expect((await refresh(t.refresh_token)).status).toBe(401);
    }
  });

  it('disabling a user rejects their tokens', async () => {
    const pair = await newUser('dino', ['user']);
    const admin = await newUser('boss', ['admin']);
    h.clock.advance(1);
    const ev = await authorized(admin.access_token, 'POST', '/api/admin/users/{username}/disable', '/api/admin/users/dino/disable');
    ev.pathParameters = { username: 'dino' };
    const res = await invoke(createAdmin(h.core), ev);
    expect(res.status).toBe(200);
    expect(await authorizerRejects(pair.access_token)).toBe('Unauthorized');
    expect(await validateStatus(pair.access_token)).toBe(401);
  });

  it("an admin revoking sessions rejects the user's tokens", async () => {
    const pair = await newUser('victor');
    const admin = await newUser('boss2', ['admin']);
    h.clock.advance(1);
    const ev = await authorized(
      admin.access_token,
      'POST',
      '/api/admin/users/{username}/revoke-sessions',
      '/api/admin/users/victor/revoke-sessions',
    );
    ev.pathParameters = { username: 'victor' };
    const res = await invoke(createAdmin(h.core), ev);
    expect(res.status).toBe(200);
    expect(await authorizerRejects(pair.access_token)).toBe('Unauthorized');
    expect((await refresh(pair.refresh_token)).status).toBe(401);
  });

  it("an admin lists a user's sessions and ends one: that one's tokens stop, the other session lives on", async () => {
    const first = await newUser('wendy');
    h.clock.advance(1);
    const second = (await login('wendy', PASSWORD)).body as { access_token: string; refresh_token: string };
    const admin = await newUser('boss3', ['admin']);
    const asAdmin = async (method: string, resource: string, path: string, params: Record<string, string>) => {
      const ev = await authorized(admin.access_token, method, resource, path);
      ev.pathParameters = params;
      return invoke(createAdmin(h.core), ev);
    };
    const listed = await asAdmin('GET', '/api/admin/users/{username}/sessions', '/api/admin/users/wendy/sessions', { username: 'wendy' });
    expect(listed.status).toBe(200);
    const sessions = (listed.body as { sessions: { sid: string; current: boolean }[] }).sessions;
    expect(sessions).toHaveLength(2);
    expect(sessions.every((s) => !s.current)).toBe(true);
    const sidOf = (token: string) =>
      (JSON.parse(Buffer.from(token.split('.')[1] as string, 'base64url').toString()) as { sid: string }).sid;
    const ended = sidOf(first.access_token);

    // Another user's name with this sid: not found, and nothing ends.
    const wrong = await asAdmin('DELETE', '/api/admin/users/{username}/sessions/{sid}', `/api/admin/users/boss3/sessions/${ended}`, {
      username: 'boss3',
      sid: ended,
    });
    expect(wrong.status).toBe(404);
    const res = await asAdmin('DELETE', '/api/admin/users/{username}/sessions/{sid}', `/api/admin/users/wendy/sessions/${ended}`, {
      username: 'wendy',
      sid: ended,
    });
    expect(res.status).toBe(204);
    expect((await refresh(first.refresh_token)).status).toBe(401);
    expect(await authorizerRejects(first.access_token)).toBe('Unauthorized');
    expect((await refresh(second.refresh_token)).status).toBe(200);
    const events = await asAdmin('GET', '/api/admin/users/{username}/events', '/api/admin/users/wendy/events', { username: 'wendy' });
    expect((events.body as { events: { event: string; reason?: string; sid?: string }[] }).events).toContainEqual(
      expect.objectContaining({ event: 'session_revoked', reason: 'admin', sid: ended }),
    );
  });

  it('ends a session left idle for 7 days (ASVS 7.3.1)', async () => {
    const pair = await newUser('idle');
    h.clock.advance(7 * 86_400 + 1);
    expect((await refresh(pair.refresh_token)).status).toBe(401);
  });
});

describe("managing one's own sessions (ASVS 7.5.2)", () => {
  it("lists the caller's active sessions, marks the current one, and ends another", async () => {
    const first = await newUser('sam');
    const second = (await login('sam', PASSWORD, '203.0.113.9')).body as { access_token: string; refresh_token: string };
    const list = await invoke(createSessions(h.core), await authorized(second.access_token, 'GET', '/api/auth/sessions'));
    expect(list.status).toBe(200);
    const sessions = list.body.sessions as {
      sid: string;
      current: boolean;
      source_ip: string;
      created_at: string;
      last_used_at: string;
      user_agent: string;
    }[];
    expect(sessions).toHaveLength(2);
    expect(sessions.filter((s) => s.current)).toHaveLength(1);
    expect(sessions.map((s) => s.source_ip).sort()).toEqual(['198.51.100.7', '203.0.113.9']);

    const other = sessions.find((s) => !s.current) as { sid: string };
    const ev = await authorized(second.access_token, 'DELETE', '/api/auth/sessions/{sid}', `/api/auth/sessions/${other.sid}`);
    ev.pathParameters = { sid: other.sid };
    expect((await invoke(createSessions(h.core), ev)).status).toBe(204);
    expect((await refresh(first.refresh_token)).status).toBe(401);
    expect((await refresh(second.refresh_token)).status).toBe(200);
  });

  it("answers 404 for someone else's session, and leaves it alone", async () => {
    const mine = await newUser('mia');
    const theirs = await newUser('theo');
    const theirSid = (
      await invoke(
        createValidate(h.verify),
        proxyEvent({ method: 'GET', path: '/api/auth/validate', headers: { Authorization: `Bearer ${theirs.access_token}` } }),
      )
    ).body.sid as string;
    const ev = await authorized(mine.access_token, 'DELETE', '/api/auth/sessions/{sid}', `/api/auth/sessions/${theirSid}`);
    ev.pathParameters = { sid: theirSid };
    expect((await invoke(createSessions(h.core), ev)).status).toBe(404);
    expect((await refresh(theirs.refresh_token)).status).toBe(200);
  });
});

describe("changing one's password (ASVS 6.2.3)", () => {
  const change = async (token: string, body: unknown) =>
    invoke(createPassword(h.core), await authorized(token, 'POST', '/api/auth/password', '/api/auth/password', body));

  it('checks the current password, ends every other session and keeps this one', async () => {
    const here = await newUser('pat');
    const elsewhere = (await login('pat', PASSWORD, '203.0.113.77')).body as { access_token: string; refresh_token: string };
    h.clock.advance(1);

    expect((await change(here.access_token, { current_password: 'not it at all', new_password: NEW_PASSWORD })).status).toBe(403);
    const ok = await change(here.access_token, { current_password: PASSWORD, new_password: NEW_PASSWORD });
    expect(ok.status).toBe(200);
    expect(ok.body).toEqual({ access_token: expect.any(String), token_type: 'Bearer', expires_in: 900 });

    expect(await authorizerRejects(elsewhere.access_token)).toBe('Unauthorized');
    expect((await refresh(elsewhere.refresh_token)).status).toBe(401);
    expect(await authorizerRejects(ok.body.access_token as string)).toBe('allowed');
    expect((await refresh(here.refresh_token)).status).toBe(200);
    expect((await login('pat', PASSWORD, '203.0.113.90')).status).toBe(401);
    expect((await login('pat', NEW_PASSWORD, '203.0.113.91')).status).toBe(200);
  });

  it('refuses a common password and one equal to the username (ASVS 6.2.4, 6.2.12)', async () => {
    const pair = await newUser('quinnlong');
    const common = await change(pair.access_token, { current_password: PASSWORD, new_password: 'password123' });
    expect(common.status).toBe(400);
    expect(common.body.error_description).toMatch(/too common/);
    const same = await change(pair.access_token, { current_password: PASSWORD, new_password: 'QuinnLong' });
    expect(same.status).toBe(400);
    expect(same.body.error_description).toBe('password must not be the username');
  });

  it('lets exactly one of two concurrent changes win', async () => {
    const pair = await newUser('racy');
    const results = await Promise.all([
      change(pair.access_token, { current_password: PASSWORD, new_password: 'first new passphrase 1' }),
      change(pair.access_token, { current_password: PASSWORD, new_password: 'second new passphrase 2' }),
    ]);
    expect(results.map((r) => r.status).sort()).toEqual([200, 409]);
  });
});

describe('passwords', () => {
  it('refuses a breached password at registration', async () => {
    const res = await invoke(createRegister(h.core), jsonPost('/api/auth/register', { username: 'newbie', password: 'iloveyou1' }));
    expect(res.status).toBe(400);
    expect(res.body.error_description).toMatch(/too common/);
  });

  it('rehashes on login when the configured bcrypt cost has changed', async () => {
    await newUser('oldhash');
    const before = await h.core.users.getUser('oldhash');
    expect(bcrypt.getRounds(before?.passwordHash as string)).toBe(TEST_BCRYPT_COST);
    const stronger = createCoreDeps({ ...h.config, bcryptCost: TEST_BCRYPT_COST + 1 }, h.secrets, localStoreClient(), {
      now: h.clock,
      logger: h.logger,
    });
    expect((await invoke(createLogin(stronger), jsonPost('/api/auth/login', { username: 'oldhash', password: PASSWORD }))).status).toBe(
      200,
    );
    const after = await h.core.users.getUser('oldhash');
    expect(bcrypt.getRounds(after?.passwordHash as string)).toBe(TEST_BCRYPT_COST + 1);
    expect((await invoke(createLogin(stronger), jsonPost('/api/auth/login', { username: 'oldhash', password: PASSWORD }))).status).toBe(
      200,
    );
  });
});

describe('the audit trail', () => {
  it('keeps each security event of a user, newest first, with no secret, and admins can read it', async () => {
    const pair = await newUser('audrey');
    h.clock.advance(1);
    await login('audrey', 'wrong password!', '203.0.113.120');
    h.clock.advance(1);
    await refresh(pair.refresh_token);
    const admin = await newUser('auditor', ['admin']);
    const ev = await authorized(admin.access_token, 'GET', '/api/admin/users/{username}/events', '/api/admin/users/audrey/events');
    ev.pathParameters = { username: 'audrey' };
    const res = await invoke(createAdmin(h.core), ev);
    expect(res.status).toBe(200);
    const events = res.body.events as { event: string; outcome: string; sourceIp: string; requestId: string; at: number }[];
    expect(events.map((e) => e.event)).toEqual(['refresh_succeeded', 'login_failed', 'login_succeeded', 'user_created']);
    expect(events[1]).toMatchObject({ outcome: 'failure', sourceIp: '203.0.113.120', requestId: expect.any(String) });
    const text = JSON.stringify(res.body);
    expect(text).not.toContain(PASSWORD);
    expect(text).not.toContain(pair.refresh_token);
    expect(text).not.toContain('$2b$');
  });

  it("counts the dashboard's events by hour, and answers admins alone", async () => {
    const admin = await newUser('dashboarder', ['admin']);
    const activity = async (token: string) => invoke(createAdmin(h.core), await authorized(token, 'GET', '/api/admin/activity'));
    const before = (await activity(admin.access_token)).body as { totals: Record<string, number> };
    const reused = await newUser('dashed');
    await refresh(reused.refresh_token);
    h.clock.advance(61); // past the grace window for a retry: this is reuse
    expect((await refresh(reused.refresh_token)).status).toBe(401);
    await login('dashed', 'wrong password!', '203.0.113.121');
    await login('no-such-name', 'wrong password!', '203.0.113.121');

    const res = await activity(admin.access_token);
    expect(res.status).toBe(200);
    const body = res.body as { hours: { hour: string }[]; totals: Record<string, number> };
    expect(body.hours).toHaveLength(24);
    expect(body.hours[23]?.hour).toBe(`${new Date(h.clock()).toISOString().slice(0, 13)}:00:00Z`);
    const delta = Object.fromEntries(Object.entries(body.totals).map(([k, v]) => [k, v - (before.totals[k] ?? 0)]));
    expect(delta).toEqual({ sign_ins: 1, failures: 2, throttled: 0, reuse_detected: 1 });
    // The authorizer's policy denies a plain user this route; the handler refuses one too.
    expect((await activity((await newUser('plain-dasher')).access_token)).status).toBe(403);
  });
});

describe('administration over HTTP', () => {
  it('creates, lists, reads, re-roles and resets users, behind the admin role', async () => {
    const admin = await newUser('root', ['admin']);
    const call = async (
      method: string,
      resource: string,
      path: string,
      body?: unknown,
      params?: Record<string, string>,
      query?: Record<string, string>,
    ) => {
      const ev = await authorized(admin.access_token, method, resource, path, body);
      ev.pathParameters = params ?? null;
      ev.queryStringParameters = query ?? null;
      return invoke(createAdmin(h.core), ev);
    };
    expect(
      (await call('POST', '/api/admin/users', '/api/admin/users', { username: 'Made', password: PASSWORD, roles: ['user', 'clerk'] }))
        .status,
    ).toBe(201);
    expect((await call('GET', '/api/admin/users/{username}', '/api/admin/users/made', undefined, { username: 'made' })).body).toMatchObject(
      { username: 'made', roles: ['user', 'clerk'], status: 'active' },
    );
    const page = await call('GET', '/api/admin/users', '/api/admin/users', undefined, undefined, { limit: '2' });
    expect((page.body.users as unknown[]).length).toBe(2);
    expect(page.body.next).toEqual(expect.any(String));
    expect(JSON.stringify(page.body)).not.toContain('passwordHash');
    // A search by the start of a name, folded as names are (MA finds made).
    const search = await call('GET', '/api/admin/users', '/api/admin/users', undefined, undefined, { prefix: 'MA' });
    expect((search.body.users as { username: string }[]).map((u) => u.username)).toEqual(['made']);
    expect(
      (await call('PUT', '/api/admin/users/{username}/roles', '/api/admin/users/made/roles', { roles: ['clerk'] }, { username: 'made' }))
        .body,
    ).toMatchObject({ roles: ['clerk'] });
    const reset = await call('POST', '/api/admin/users/{username}/reset-password', '/api/admin/users/made/reset-password', undefined, {
      username: 'made',
    });
    expect(reset.body).toEqual({ temporaryPassword: expect.stringMatching(/^[A-Za-z0-9_-]{24}$/) });
    expect((await login('made', PASSWORD, '203.0.113.140')).status).toBe(401);
    // The temporary password opens no session until it is replaced (security review, finding 15).
    expect((await login('made', reset.body.temporaryPassword as string, '203.0.113.141')).status).toBe(403);
    expect((await call('GET', '/api/admin/users/{username}', '/api/admin/users/nobody', undefined, { username: 'nobody' })).status).toBe(
      404,
    );
  });

  it("is denied to callers without the admin role by the authorizer's policy", async () => {
    const user = await newUser('plain');
    const stage = 'arn:aws:execute-api:us-east-1:123456789012:abcdef123/prod';
    const decide = async (method: string, resource: string, path: string) => {
      const result = await createAuthorizer(h.verify)(authorizerEvent({ method, resource, authorization: `Bearer ${user.access_token}` }));
      return evaluatePolicy(result.policyDocument, `${stage}/${method}${path}`);
    };
    expect(await decide('GET', '/api/admin/users', '/api/admin/users')).toBe('deny');
    expect(await decide('POST', '/api/admin/users/{username}/disable', '/api/admin/users/plain/disable')).toBe('deny');
    expect(await decide('GET', '/api/admin/users/{username}/events', '/api/admin/users/x/events')).toBe('deny');
    expect(await decide('GET', '/api/auth/sessions', '/api/auth/sessions')).toBe('allow');
  });
});
