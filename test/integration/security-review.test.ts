import type { APIGatewayProxyEvent } from 'aws-lambda';
import { createHandler as createAdmin } from '../../functions/admin';
import { createHandler as createAuthorizer } from '../../functions/authorizer';
import { resetPassword, setUserRoles, setUserStatus } from '../../functions/lib/flows/admin';
import { createUser } from '../../functions/lib/flows/users';
import { LastAdminError } from '../../functions/lib/domain/errors';
import { ROUTES, type HandlerName } from '../../functions/lib/contract/routes';
import type { HttpHandler } from '../../functions/lib/http/handler';
import { createHandler as createLogin } from '../../functions/login';
import { createHandler as createMe } from '../../functions/me';
import { createHandler as createMfa } from '../../functions/mfa';
import { createHandler as createRecovery } from '../../functions/recovery';
import { createHandler as createPassword } from '../../functions/password';
import { createHandler as createRefresh } from '../../functions/refresh';
import { createHandler as createRegister } from '../../functions/register';
import { usernameSkeleton } from '../../functions/lib/domain/username-skeleton';
import { createHandler as createSessions } from '../../functions/sessions';
import { evaluatePolicy } from '../../local/evaluate-policy';
import { authorizerEvent, jsonPost, proxyEvent } from '../helpers/events';
import { createHarness, type Harness } from '../helpers/harness';
import { invoke } from '../helpers/http';
import type { User } from '../../functions/lib/domain/users';

/** Findings of the security review, proven on the real handlers against DynamoDB Local. */
const PASSWORD = 'correct horse battery staple';
const stage = 'arn:aws:execute-api:us-east-1:123456789012:abcdef123/prod';
let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});

const meta = { requestId: 'test' };
function from(ip: string, event: APIGatewayProxyEvent): APIGatewayProxyEvent {
  return { ...event, requestContext: { ...event.requestContext, identity: { ...event.requestContext.identity, sourceIp: ip } } };
}
const login = (hh: Harness, username: string, password: string, ip = '198.51.100.7') =>
  invoke(createLogin(hh.core), from(ip, jsonPost('/api/auth/login', { username, password })));
async function newUser(hh: Harness, username: string, roles: string[] = ['user']) {
  await createUser({ username, password: PASSWORD, roles }, meta, hh.core);
  const res = await login(hh, username, PASSWORD);
  expect(res.status).toBe(200);
  return res.body as { access_token: string; refresh_token: string };
}
/** The authorizer's answer for one route, and the event API Gateway would pass on when it allows. */
async function throughAuthorizer(hh: Harness, token: string, method: string, resource: string, path = resource, body?: unknown) {
  // The role rules of the review's findings; the second-factor rules have their own tests.
  const result = await createAuthorizer({ ...hh.verify, mfaRequiredRoles: [] })(
    authorizerEvent({ method, resource, authorization: `Bearer ${token}` }),
  );
  const decision = evaluatePolicy(result.policyDocument, `${stage}/${method}${path}`);
  const event = proxyEvent({
    method,
    resource,
    path,
    body: body === undefined ? null : JSON.stringify(body),
    authorizer: { ...(result.context as Record<string, string | number>), principalId: result.principalId },
  });
  return { decision, event, context: result.context as Record<string, unknown> };
}

describe('finding 2: removing a role ends it for tokens already issued', () => {
  it("takes the admin role from a demoted admin's old token, which can neither reach admin routes nor give the role back", async () => {
    await newUser(h, 'keeper', ['admin', 'user']);
    const boss = await newUser(h, 'boss', ['admin', 'user']);
    const before = await throughAuthorizer(h, boss.access_token, 'GET', '/api/admin/users');
    expect(before.decision).toBe('allow');

    await setUserRoles('boss', ['user'], meta, h.core);

    const admin = await throughAuthorizer(h, boss.access_token, 'GET', '/api/admin/users');
    expect(admin.decision).toBe('deny');
    expect(admin.context.roles).toBe('user');
    expect((await throughAuthorizer(h, boss.access_token, 'GET', '/api/me')).decision).toBe('allow');
    // Even through an authorizer answer cached from before the demotion, the admin function
    // re-reads the acting admin: no role given back, no new admin made.
    const regrant = proxyEvent({
      method: 'PUT',
      resource: '/api/admin/users/{username}/roles',
      path: '/api/admin/users/boss/roles',
      body: JSON.stringify({ roles: ['admin', 'user'] }),
      authorizer: { ...before.context, principalId: String(before.context.sub) } as Record<string, string | number>,
    });
    regrant.pathParameters = { username: 'boss' };
    const res = await invoke(createAdmin(h.core), regrant);
    expect(res.status).toBe(403);
    expect(res.body.error).toBe('access_denied');
    expect((await h.core.users.getUser('boss'))?.roles).toEqual(['user']);
    // The session lives on: its next refresh carries the new roles.
    const renewed = await invoke(createRefresh(h.core), jsonPost('/api/auth/refresh', { refresh_token: boss.refresh_token }));
    expect(renewed.status).toBe(200);
    expect((await throughAuthorizer(h, renewed.body.access_token as string, 'GET', '/api/me')).context.roles).toBe('user');
  });
});

describe('finding 3: the last active admin cannot lock everyone out', () => {
  let solo: Harness;
  beforeAll(async () => {
    solo = await createHarness();
  });

  it('refuses to disable or demote the only active admin with 409 last_admin, over HTTP and in the core', async () => {
    const token = (await newUser(solo, 'only', ['admin'])).access_token;
    await expect(setUserStatus('only', 'disabled', meta, solo.core)).rejects.toThrow(LastAdminError);
    await expect(setUserRoles('only', ['user'], meta, solo.core)).rejects.toThrow(LastAdminError);
    const { event } = await throughAuthorizer(solo, token, 'POST', '/api/admin/users/{username}/disable', '/api/admin/users/only/disable');
    event.pathParameters = { username: 'only' };
    const res = await invoke(createAdmin(solo.core), event);
    expect(res.status).toBe(409);
    expect(res.body).toEqual({ error: 'last_admin', error_description: expect.any(String) });
    expect((await solo.core.users.getUser('only'))?.status).toBe('active');
    // The CLI's --force, for break-glass use.
    await expect(setUserRoles('only', ['admin', 'user'], meta, solo.core, { force: true })).resolves.toMatchObject({
      roles: ['admin', 'user'],
    });
  });

  it('lets exactly one of two admins demoting each other at once succeed', async () => {
    const pair = await createHarness();
    await createUser({ username: 'ann', password: PASSWORD, roles: ['admin'] }, meta, pair.core);
    await createUser({ username: 'ben', password: PASSWORD, roles: ['admin'] }, meta, pair.core);
    const outcomes = await Promise.allSettled([
      setUserRoles('ann', ['user'], meta, pair.core),
      setUserRoles('ben', ['user'], meta, pair.core),
    ]);
    expect(outcomes.map((o) => o.status).sort()).toEqual(['fulfilled', 'rejected']);
    const admins = [await pair.core.users.getUser('ann'), await pair.core.users.getUser('ben')].filter((u) => u?.roles.includes('admin'));
    expect(admins).toHaveLength(1);
  });
});

describe('finding 5: a wrong current password counts like a failed login', () => {
  it('answers 429 with Retry-After once the account counter is spent, so the 61st guess from a 61st address cannot take the account', async () => {
    const victim = await newUser(h, 'victim5');
    const statuses: number[] = [];
    for (let i = 0; i < 60; i++) {
      const { event } = await throughAuthorizer(h, victim.access_token, 'POST', '/api/auth/password', '/api/auth/password', {
        current_password: `guess number ${i}`,
        new_password: 'the attacker now owns it',
      });
      statuses.push((await invoke(createPassword(h.core), from(`192.0.2.${i + 1}`, event))).status);
    }
    expect(statuses.slice(0, 20)).toEqual(Array(20).fill(403));
    expect(statuses.slice(20)).toEqual(Array(40).fill(429));
    const { event } = await throughAuthorizer(h, victim.access_token, 'POST', '/api/auth/password', '/api/auth/password', {
      current_password: PASSWORD,
      new_password: 'the attacker now owns it',
    });
    const right = await invoke(createPassword(h.core), from('192.0.2.61', event));
    expect(right.status).toBe(429);
    expect(Number(right.headers['Retry-After'])).toBeGreaterThanOrEqual(1);
    // And the owner, from the address they log in from, still can.
    expect((await login(h, 'victim5', PASSWORD, '198.51.100.7')).status).toBe(200);
  });
});

describe('finding 9: no protected route answers 2xx to a token past exp', () => {
  it('answers 401 invalid_token on every protected route when the authorizer context has expired', async () => {
    const user = await newUser(h, 'expiring', ['admin', 'user']);
    const { context } = await throughAuthorizer(h, user.access_token, 'GET', '/api/me');
    const handlers: Partial<Record<HandlerName, HttpHandler>> = {
      me: createMe({ logger: h.logger, now: h.clock, clockToleranceSeconds: 30 }),
      sessions: createSessions(h.core),
      password: createPassword(h.core),
      admin: createAdmin(h.core),
      mfa: createMfa(h.core),
      recovery: createRecovery(h.core),
    };
    const expired = { ...context, exp: Math.floor(h.clock() / 1000) - 31, principalId: String(context.sub) } as Record<
      string,
      string | number
    >;
    const protectedRoutes = ROUTES.filter((r) => r.access !== 'public');
    expect(protectedRoutes.every((r) => handlers[r.handler] !== undefined)).toBe(true);
    for (const r of protectedRoutes) {
      const event = proxyEvent({ method: r.method, resource: r.path, path: r.path, body: '{}', authorizer: expired });
      event.pathParameters = Object.fromEntries([...r.path.matchAll(/\{(\w+)\}/g)].map((m) => [m[1] as string, 'x']));
      const res = await invoke(handlers[r.handler] as HttpHandler, event);
      expect([`${r.method} ${r.path}`, res.status, res.body.error]).toEqual([`${r.method} ${r.path}`, 401, 'invalid_token']);
    }
    // Within the tolerance, the same context is still good.
    const fresh = proxyEvent({ method: 'GET', resource: '/api/me', authorizer: { ...expired, exp: Math.floor(h.clock() / 1000) - 29 } });
    expect((await invoke(handlers.me as HttpHandler, fresh)).status).toBe(200);
  });
});

describe('finding 13: users behind one address do not lock each other out', () => {
  it('keeps a known device working when strangers behind the same NAT address exhaust its per-IP counter', async () => {
    const nat = '203.0.113.200';
    const shared = await createHarness({ lockoutFreePerIp: 10 });
    await createUser({ username: 'natowner', password: PASSWORD }, meta, shared.core);
    expect((await login(shared, 'natowner', PASSWORD, nat)).status).toBe(200);
    for (let i = 0; i < 11; i++) await login(shared, `stranger-${i}`, 'not the password', nat);
    expect((await login(shared, 'someone-else', 'not the password', nat)).status).toBe(429);
    expect((await login(shared, 'natowner', PASSWORD, nat)).status).toBe(200);
  });
});

describe('finding 12: look-alike usernames', () => {
  const register = (hh: Harness, username: string) =>
    invoke(createRegister(hh.core), jsonPost('/api/auth/register', { username, password: PASSWORD }));

  it('refuses look-alikes of an existing name (409) and names outside the profile (400), and maps width and case', async () => {
    const names = await createHarness();
    expect((await register(names, 'alice')).status).toBe(201);
    expect((await register(names, 'root')).status).toBe(201);
    for (const lookAlike of ['\u0430lice', 'al\u0131ce', 'r\u043Eot', 'ＡＬＩＣＥ', 'Alice', ' alice ']) {
      const res = await register(names, lookAlike);
      expect([lookAlike, res.status, res.body.error]).toEqual([lookAlike, 409, 'user_exists']);
    }
    for (const outside of ['𝐚lice', 'al\u200Bice', 'root\u0007']) {
      const res = await register(names, outside);
      expect([outside, res.status]).toEqual([outside, 400]);
    }
    // Fullwidth is the same account at login too.
    expect((await login(names, 'ＡＬＩＣＥ', PASSWORD)).status).toBe(200);
  });

  it('checks new names against users made before the rules once their skeletons are backfilled; those users keep working', async () => {
    const old = await createHarness();
    // An account made before: no skeleton item, and a name today's profile would refuse.
    const legacy = (await newUser(old, 'bob')) && ((await old.core.users.getUser('bob')) as User);
    await old.core.users.createUser({ ...legacy, userId: 'legacy-id', username: 'ｍａｘ' });
    expect(await old.core.users.backfillSkeletons(usernameSkeleton)).toEqual({ added: 2, lookAlikes: [] });
    expect((await register(old, 'b\u043Eb')).status).toBe(409);
    expect((await login(old, 'ｍａｘ', PASSWORD)).status).toBe(200);
    expect((await old.core.users.listUsersPage(10)).users.map((u) => u.username).sort()).toEqual(['bob', 'ｍａｘ']);
  });
});

describe('finding 15: a temporary password must be changed at the next login', () => {
  const replace = (hh: Harness, body: Record<string, string>, ip = '198.51.100.9') =>
    invoke(
      createPassword(hh.core),
      from(
        ip,
        proxyEvent({
          method: 'POST',
          resource: '/api/auth/password/temporary',
          body: JSON.stringify(body),
          headers: { 'Content-Type': 'application/json' },
        }),
      ),
    );

  it('answers login 403 password_change_required, and opens a session only once the owner replaced it', async () => {
    await newUser(h, 'tempo');
    const { temporaryPassword } = await resetPassword('tempo', meta, h.core);
    const refused = await login(h, 'tempo', temporaryPassword);
    expect(refused.status).toBe(403);
    expect(refused.body).toEqual({ error: 'password_change_required', error_description: expect.any(String) });

    expect((await replace(h, { username: 'tempo', password: 'not the temporary one', new_password: 'my own new passphrase' })).status).toBe(
      401,
    );
    expect((await replace(h, { username: 'tempo', password: temporaryPassword, new_password: 'password' })).status).toBe(400);
    const replaced = await replace(h, { username: 'tempo', password: temporaryPassword, new_password: 'my own new passphrase' });
    expect(replaced.status).toBe(200);
    expect(replaced.body).toMatchObject({ access_token: expect.any(String), refresh_token: expect.any(String), token_type: 'Bearer' });

    expect((await login(h, 'tempo', temporaryPassword)).status).toBe(401);
    expect((await login(h, 'tempo', 'my own new passphrase')).status).toBe(200);
    // A password that is not temporary cannot be replaced this way.
    expect(
      (await replace(h, { username: 'tempo', password: 'my own new passphrase', new_password: 'yet another passphrase' })).status,
    ).toBe(400);
  });
});
