import { createHandler as createAuthorizer } from '../../functions/authorizer';
import { createUser } from '../../functions/lib/flows/users';
import { evaluatePolicy } from '../../local/evaluate-policy';
import { createHandler as createLogin } from '../../functions/login';
import { createHandler as createLogout } from '../../functions/logout';
import { authorizerEvent, jsonPost } from '../helpers/events';
import { createHarness, localDynamoHttp, type Harness } from '../helpers/harness';
import { invoke } from '../helpers/http';
import { confirmTotpEnrolment, startTotpEnrolment } from '../../functions/lib/flows/factors';
import { ROUTES, withAdminStepUp } from '../../functions/lib/contract/routes';
import { totpCode } from '../../functions/lib/domain/totp';
import { createRevocationChecker } from '../../functions/lib/authz/revocation';
import { ServiceUnavailableError } from '../../functions/lib/domain/errors';
import { dynamoRevocationReader } from '../../functions/lib/stores/revocation-reader';
import { freePort } from '../../local/dynamodb-local';

let h: Harness;
let authorize: ReturnType<typeof createAuthorizer>;
const tokens: Record<string, string> = {};
const PASSWORD = 'correct horse battery staple';
const arn = (method: string, path: string) => `arn:aws:execute-api:us-east-1:123456789012:abcdef123/prod/${method}${path}`;

beforeAll(async () => {
  h = await createHarness();
  // Roles and the cache here; the second-factor rules have their own suite below.
  authorize = createAuthorizer({ ...h.verify, mfaRequiredRoles: [] });
  const login = createLogin(h.core);
  for (const [username, roles] of [
    ['user1', ['user']],
    ['admin1', ['user', 'admin']],
  ] as const) {
    await createUser({ username, password: PASSWORD, roles }, { requestId: 'setup' }, h.core);
    const res = await invoke(login, jsonPost('/api/auth/login', { username, password: PASSWORD }));
    tokens[username] = res.body.access_token as string;
  }
});

const rejection = (event: Parameters<typeof authorize>[0]) =>
  authorize(event).then(
    () => 'allowed',
    (e: Error) => e.message,
  );

describe('the Lambda authorizer', () => {
  it('passes the caller on as principal and scalar context', async () => {
    const result = await authorize(authorizerEvent({ method: 'GET', resource: '/api/me', authorization: `Bearer ${tokens.user1}` }));
    expect(result.principalId).toEqual(expect.any(String));
    expect(result.context).toEqual({
      sub: result.principalId,
      username: 'user1',
      roles: 'user',
      sid: expect.any(String),
      exp: expect.any(Number),
      // RFC 8176 and RFC 9470 §4: how and when the user signed in, for functions that check it.
      amr: 'pwd',
      auth_time: expect.any(Number),
    });
  });

  it('reads the Authorization header whatever its case', async () => {
    const event = authorizerEvent({
      method: 'GET',
      resource: '/api/me',
      authorization: `Bearer ${tokens.user1}`,
      headerName: 'authorization',
    });
    await expect(authorize(event)).resolves.toMatchObject({ principalId: expect.any(String) });
  });

  it.each([
    ['no token', undefined],
    ['another scheme', 'Basic dXNlcjpwYXNz'],
    ['a garbage token', 'Bearer garbage'],
    ['a token with a forged signature', 'forged'],
  ])('throws exactly Unauthorized for %s', async (_name, authorization) => {
    const header = authorization === 'forged' ? `Bearer ${tokens.user1?.slice(0, -4)}AAAA` : authorization;
    expect(
      await rejection(authorizerEvent({ method: 'GET', resource: '/api/me', ...(header !== undefined && { authorization: header }) })),
    ).toBe('Unauthorized');
  });

  it('throws Unauthorized for an expired token', async () => {
    const { accessToken } = await h.core.accessTokens.issue({ sub: 'u', username: 'x', roles: ['user'], sid: 's' });
    h.clock.advance(900 + 31);
    try {
      expect(await rejection(authorizerEvent({ method: 'GET', resource: '/api/me', authorization: `Bearer ${accessToken}` }))).toBe(
        'Unauthorized',
      );
    } finally {
      h.clock.advance(-(900 + 31));
    }
  });
});

describe("the authorizer's own cache of verified tokens", () => {
  it('never serves a token past its exp, and re-checks revocation on every hit', async () => {
    const handler = createAuthorizer(h.verify);
    const pair = await invoke(createLogin(h.core), jsonPost('/api/auth/login', { username: 'user1', password: PASSWORD }));
    const token = pair.body.access_token as string;
    const event = authorizerEvent({ method: 'GET', resource: '/api/me', authorization: `Bearer ${token}` });
    await expect(handler(event)).resolves.toMatchObject({ principalId: expect.any(String) });
    await expect(handler(event)).resolves.toMatchObject({ principalId: expect.any(String) });

    expect((await invoke(createLogout(h.core), jsonPost('/api/auth/logout', { refresh_token: pair.body.refresh_token }))).status).toBe(204);
    await expect(handler(event)).rejects.toThrow('Unauthorized');
  });

  it('fails closed when the revocation state cannot be read: no policy, a counted failure (API Gateway answers 503)', async () => {
    const pair = await invoke(createLogin(h.core), jsonPost('/api/auth/login', { username: 'user1', password: PASSWORD }));
    const event = authorizerEvent({ method: 'GET', resource: '/api/me', authorization: `Bearer ${pair.body.access_token}` });
    let failures = 0;
    const down = createRevocationChecker({
      read: dynamoRevocationReader({
        db: localDynamoHttp(`http://127.0.0.1:${await freePort()}`),
        usersTable: h.config.usersTable,
        sessionsTable: h.config.sessionsTable,
      }),
      cacheSeconds: 0,
      now: h.clock,
    });
    const handler = createAuthorizer({ ...h.verify, revocation: down, countFailure: () => failures++ });
    const outcome = await handler(event).then(
      () => 'allowed',
      (e: Error) => e,
    );
    expect(outcome).toBeInstanceOf(ServiceUnavailableError);
    expect(failures).toBe(1);
    // The same token, once the state can be read again, is allowed: nothing was cached.
    await expect(createAuthorizer(h.verify)(event)).resolves.toMatchObject({ principalId: expect.any(String) });
  });

  it('re-verifies a cached token once it has expired', async () => {
    const handler = createAuthorizer({ ...h.verify, revocation: undefined });
    const { accessToken } = await h.core.accessTokens.issue({ sub: 'u', username: 'x', roles: ['user'], sid: 's' });
    const event = authorizerEvent({ method: 'GET', resource: '/api/me', authorization: `Bearer ${accessToken}` });
    await expect(handler(event)).resolves.toBeDefined();
    h.clock.advance(900 + 31);
    try {
      await expect(handler(event)).rejects.toThrow('Unauthorized');
    } finally {
      h.clock.advance(-(900 + 31));
    }
  });
});

describe("the policy under API Gateway's authorizer cache", () => {
  // The cache keys on the Authorization header and the route, so an answer is reused only for
  // requests to the same route (with any parameter values).
  it.each([
    ['user1', 'GET', '/api/me', 'allow'],
    ['user1', 'GET', '/api/admin/ping', 'deny'],
    ['admin1', 'GET', '/api/me', 'allow'],
    ['admin1', 'GET', '/api/admin/ping', 'allow'],
    ['user1', 'DELETE', '/api/auth/sessions/{sid}', 'allow'],
  ] as const)('gives %s on %s %s: %s, for every request to that route', async (user, method, resource, decision) => {
    const cached = await authorize(authorizerEvent({ method, resource, authorization: `Bearer ${tokens[user]}` }));
    for (const path of [resource.replace('{sid}', 'a'), resource.replace('{sid}', 'another-session')]) {
      expect(evaluatePolicy(cached.policyDocument, arn(method, path))).toBe(decision);
    }
  });

  it('denies the insufficient-role route explicitly, which API Gateway answers with 403, and logs it', async () => {
    const result = await authorize(
      authorizerEvent({ method: 'GET', resource: '/api/admin/ping', authorization: `Bearer ${tokens.user1}` }),
    );
    expect(result.policyDocument.Statement).toEqual([expect.objectContaining({ Effect: 'Deny' })]);
    expect(h.logger.lines.some((l) => l.message === 'access_denied')).toBe(true);
  });

  it('denies a route that is not in its table', async () => {
    const result = await authorize(
      authorizerEvent({ method: 'GET', resource: '/not/in/the/table', authorization: `Bearer ${tokens.admin1}` }),
    );
    expect(evaluatePolicy(result.policyDocument, arn('GET', '/not/in/the/table'))).toBe('deny');
  });
});

describe('the second-factor rules of the authorizer (RFC 9470)', () => {
  // As deployed by default: admin routes need a second factor, and admins must enrol one.
  const guarded = () => createAuthorizer({ ...h.verify, routes: withAdminStepUp(ROUTES, { adminRoutesRequireMfa: true }) });
  const ask = async (handler: ReturnType<typeof createAuthorizer>, token: string, method: string, resource: string) => {
    const result = await handler(authorizerEvent({ method, resource, authorization: `Bearer ${token}` }));
    return { decision: evaluatePolicy(result.policyDocument, arn(method, resource)), context: result.context ?? {} };
  };

  it('lets an admin with no second factor only enrol one, and then, with the token the enrolment answers, everything', async () => {
    await createUser({ username: 'newadmin', password: PASSWORD, roles: ['admin'] }, { requestId: 'setup' }, h.core);
    const res = await invoke(createLogin(h.core), jsonPost('/api/auth/login', { username: 'newadmin', password: PASSWORD }));
    const token = res.body.access_token as string;
    const handler = guarded();
    const me = await ask(handler, token, 'GET', '/api/me');
    expect(me.decision).toBe('deny');
    expect(me.context).toMatchObject({
      error: 'mfa_enrollment_required',
      challenge: expect.stringContaining('insufficient_user_authentication'),
    });
    expect((await ask(handler, token, 'POST', '/api/auth/mfa/totp')).decision).toBe('allow');
    expect((await ask(handler, token, 'GET', '/api/admin/users')).decision).toBe('deny');

    const claims = await h.core.accessTokens.verify(token);
    const caller = {
      sub: claims.sub,
      username: claims.username,
      sid: claims.sid,
      amr: [...(claims.amr ?? [])],
      authTime: claims.auth_time,
    };
    const { secret } = await startTotpEnrolment(caller, h.core);
    const enrolled = await confirmTotpEnrolment(caller, totpCode(secret, h.clock()), { requestId: 'r' }, h.core);
    expect((await ask(handler, enrolled.access_token, 'GET', '/api/me')).decision).toBe('allow');
    expect((await ask(handler, enrolled.access_token, 'GET', '/api/admin/users')).decision).toBe('allow');
  });

  it('denies an mfa route to a password-only token with the RFC 9470 challenge, on a warm cache too', async () => {
    const handler = createAuthorizer({
      ...h.verify,
      routes: [{ method: 'GET', path: '/api/payments', access: { roles: [], mfa: true } }],
    });
    for (let i = 0; i < 2; i++) {
      const { decision, context } = await ask(handler, tokens.user1 as string, 'GET', '/api/payments');
      expect(decision).toBe('deny');
      expect(context).toMatchObject({
        error: 'insufficient_user_authentication',
        challenge:
          'Bearer error="insufficient_user_authentication", error_description="a more recent or stronger authentication is required", acr_values="http://schemas.openid.net/pape/policies/2007/06/multi-factor"',
      });
    }
  });

  it('decides a maxAge route afresh on every call: allowed while the sign-in is recent, then denied with max_age', async () => {
    const handler = createAuthorizer({
      ...h.verify,
      routes: [{ method: 'POST', path: '/api/transfer', access: { roles: [], maxAge: 300 } }],
    });
    const res = await invoke(createLogin(h.core), jsonPost('/api/auth/login', { username: 'user1', password: PASSWORD }));
    const token = res.body.access_token as string;
    expect((await ask(handler, token, 'POST', '/api/transfer')).decision).toBe('allow');
    h.clock.advance(301);
    const late = await ask(handler, token, 'POST', '/api/transfer');
    expect(late.decision).toBe('deny');
    expect(late.context.challenge).toMatch(/max_age=300$/);
  });
});
