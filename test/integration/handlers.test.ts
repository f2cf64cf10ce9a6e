import { createHandler as createJwks } from '../../functions/jwks';
import { createHandler as createLogin } from '../../functions/login';
import { createHandler as createMe } from '../../functions/me';
import { createHandler as createRefresh } from '../../functions/refresh';
import { createHandler as createRegister } from '../../functions/register';
import { createHandler as createValidate } from '../../functions/validate';
import { createCoreDeps } from '../../functions/lib/wiring/core';
import { jsonPost, proxyEvent } from '../helpers/events';
import { createHarness, localStoreClient, type Harness } from '../helpers/harness';
import { invoke } from '../helpers/http';

let h: Harness;
const PASSWORD = 'correct horse battery staple';

beforeAll(async () => {
  h = await createHarness({ selfRegistration: true });
});

describe('POST /api/auth/register', () => {
  it('creates a user with the default role and answers 201', async () => {
    const res = await invoke(createRegister(h.core), jsonPost('/api/auth/register', { username: 'Bob', password: PASSWORD }));
    expect(res.status).toBe(201);
    expect(res.body).toEqual({ sub: expect.stringMatching(/^[0-9a-f-]{36}$/), username: 'bob', roles: ['user'] });
  });

  it('answers 409 user_exists for a taken username, whatever its case', async () => {
    const res = await invoke(createRegister(h.core), jsonPost('/api/auth/register', { username: 'BOB', password: PASSWORD }));
    expect(res.status).toBe(409);
    expect(res.body.error).toBe('user_exists');
  });

  it('lets exactly one of 10 concurrent registrations of one name succeed (a conditional write decides)', async () => {
    const register = createRegister(h.core);
    const answers = await Promise.all(
      Array.from({ length: 10 }, () => invoke(register, jsonPost('/api/auth/register', { username: 'racer', password: PASSWORD }))),
    );
    expect(answers.map((a) => a.status).sort()).toEqual([201, ...Array(9).fill(409)]);
  });

  it('refuses a short password and a password equal to the username', async () => {
    const register = createRegister(h.core);
    const short = await invoke(register, jsonPost('/api/auth/register', { username: 'carol', password: 'short' }));
    const same = await invoke(register, jsonPost('/api/auth/register', { username: 'carolcarol', password: 'CarolCarol' }));
    expect(short.status).toBe(400);
    expect(short.body).toEqual({ error: 'invalid_request', error_description: 'password must be at least 8 characters' });
    expect(same.status).toBe(400);
  });

  it('answers 404 when self-registration is off, before reading the body', async () => {
    const off = createCoreDeps({ ...h.config, selfRegistration: false }, h.secrets, localStoreClient(), { now: h.clock, logger: h.logger });
    const res = await invoke(createRegister(off), proxyEvent({ path: '/api/auth/register', body: 'garbage' }));
    expect(res.status).toBe(404);
    expect(res.body.error).toBe('not_found');
  });
});

describe('bad input', () => {
  const login = () => createLogin(h.core);
  it.each([
    ['malformed JSON', { body: '{"username":' }, 400],
    ['a JSON array', { body: '[]' }, 400],
    ['no body', { body: null }, 400],
    ['a missing field', { body: JSON.stringify({ username: 'bob' }) }, 400],
    ['a field of the wrong type', { body: JSON.stringify({ username: 'bob', password: 12345678 }) }, 400],
    ['an empty field', { body: JSON.stringify({ username: '', password: PASSWORD }) }, 400],
    ['a body over 16 KiB', { body: JSON.stringify({ username: 'bob', password: PASSWORD, pad: 'x'.repeat(17 * 1024) }) }, 400],
    ['a form-encoded body', { body: 'username=bob', headers: { 'Content-Type': 'application/x-www-form-urlencoded' } }, 415],
    ['no content type', { body: '{}', headers: { 'Content-Type': undefined as unknown as string } }, 415],
  ])('answers %s with a JSON error and no internals', async (_name, shape, status) => {
    const res = await invoke(login(), proxyEvent({ path: '/api/auth/login', ...shape }));
    expect(res.status).toBe(status);
    expect(res.body).toEqual({ error: 'invalid_request', error_description: expect.any(String) });
    expect(JSON.stringify(res.body)).not.toMatch(/at .*\.ts|Error:/);
  });

  it('survives an event with almost nothing in it', async () => {
    const res = await invoke(createRefresh(h.core), {} as never);
    expect(res.status).toBe(415);
  });

  it('answers a refresh with a token of the wrong type with 400', async () => {
    const res = await invoke(createRefresh(h.core), jsonPost('/api/auth/refresh', { refresh_token: 42 }));
    expect(res.status).toBe(400);
  });
});

describe('GET /api/auth/validate', () => {
  const validate = () => createValidate(h.verify);
  const get = (headers: Record<string, string>) => invoke(validate(), proxyEvent({ method: 'GET', path: '/api/auth/validate', headers }));

  it('answers a listed browser origin with CORS, and no other', async () => {
    const handler = createValidate({ ...h.verify, web: { allowedOrigins: ['https://app.example.com'] } });
    const asked = (origin: string) =>
      invoke(handler, proxyEvent({ method: 'GET', path: '/api/auth/validate', headers: { Origin: origin } }));
    expect((await asked('https://app.example.com')).headers['Access-Control-Allow-Origin']).toBe('https://app.example.com');
    expect((await asked('https://evil.example')).headers['Access-Control-Allow-Origin']).toBeUndefined();
  });

  it('answers a missing token with a bare Bearer challenge and no error code (RFC 6750 §3.1)', async () => {
    const res = await get({});
    expect(res.status).toBe(401);
    expect(res.headers['WWW-Authenticate']).toBe('Bearer');
    expect(res.body.active).toBe(false);
  });

  it('answers an invalid token with error="invalid_token" in the challenge and the body', async () => {
    const res = await get({ Authorization: 'Bearer not.a.jwt' });
    expect(res.status).toBe(401);
    expect(res.headers['WWW-Authenticate']).toBe('Bearer error="invalid_token", error_description="token is malformed"');
    expect(res.body).toEqual({ active: false, error: 'invalid_token', error_description: 'token is malformed' });
  });

  it('answers an expired token with invalid_token', async () => {
    const { accessToken } = await h.core.accessTokens.issue({ sub: 'u', username: 'bob', roles: [], sid: 's' });
    h.clock.advance(900 + 31);
    const res = await get({ authorization: `bearer ${accessToken}` });
    expect(res.status).toBe(401);
    expect(res.body.error_description).toBe('token has expired');
  });
});

describe('GET /.well-known/jwks.json', () => {
  it('publishes the public keys only, cacheable', async () => {
    const res = await invoke(createJwks(h.verify), proxyEvent({ method: 'GET', path: '/.well-known/jwks.json' }));
    expect(res.status).toBe(200);
    expect(res.headers['Cache-Control']).toBe('public, max-age=300');
    const keys = res.body.keys as Record<string, unknown>[];
    expect(keys).toHaveLength(1);
    expect(keys[0]).toEqual({ kty: 'RSA', n: expect.any(String), e: 'AQAB', kid: h.secrets.signingKid, alg: 'RS256', use: 'sig' });
  });
});

describe('GET /api/me', () => {
  it('answers the caller from the authorizer context', async () => {
    const event = proxyEvent({
      method: 'GET',
      path: '/api/me',
      authorizer: {
        sub: 'u-1',
        username: 'bob',
        roles: 'user,admin',
        sid: 's',
        exp: Math.floor(h.clock() / 1000) + 60,
        principalId: 'u-1',
      },
    });
    const res = await invoke(createMe({ logger: h.logger, now: h.clock, clockToleranceSeconds: 30 }), event);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ sub: 'u-1', username: 'bob', roles: ['user', 'admin'] });
  });

  it('answers 401 when no authorizer ran', async () => {
    const res = await invoke(
      createMe({ logger: h.logger, now: h.clock, clockToleranceSeconds: 30 }),
      proxyEvent({ method: 'GET', path: '/api/me' }),
    );
    expect(res.status).toBe(401);
  });
});
