import { randomUUID } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { decodeJwt, exportJWK, generateKeyPair, SignJWT } from 'jose';
import * as oauthClient from 'openid-client';
import {
  call,
  clientsCli,
  outputField,
  runUsersCli,
  startLocalRuntime,
  type LocalRuntime,
  signInEnrollingTotp,
} from '../helpers/local-runtime';

/**
 * The token endpoint over real HTTP against `npm start`: the client credentials grant with both
 * client authentication methods, every error code, each answer checked against the OpenAPI
 * document; clients made and rotated with the admin CLI.
 */
let rt: LocalRuntime;
const cli = (...args: string[]) => clientsCli(rt, ...args);
const field = outputField;
const basic = (id: string, secret: string) =>
  `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`;
const token = (form: Record<string, string>, headers: Record<string, string> = {}) =>
  call(rt.baseUrl, 'POST', '/oauth2/token', {
    body: new URLSearchParams(form).toString(),
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', ...headers },
  });

let id: string;
let secret: string;

beforeAll(async () => {
  // Short caches, so that a revocation shows within the test: the bound is their sum.
  rt = await startLocalRuntime({ env: { AUTH_AUTHORIZER_CACHE_TTL_SECONDS: '1', AUTH_REVOCATION_CACHE_SECONDS: '1' } });
  const created = cli('create', 'nightly job', '--scope', 'orders:read', '--scope', 'orders:write');
  id = field(created, 'client_id');
  secret = field(created, 'client_secret');
  expect(created).toContain('shown once');
});
afterAll(() => rt?.stop());

describe('POST /oauth2/token (client credentials)', () => {
  it('answers a client authenticated with HTTP Basic: a Bearer token for its scopes and the API, not stored by caches', async () => {
    const r = await token({ grant_type: 'client_credentials' }, { Authorization: basic(id, secret) });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ token_type: 'Bearer', expires_in: 3600, scope: 'orders:read orders:write' });
    expect(r.body).not.toHaveProperty('refresh_token');
    expect(r.headers.get('cache-control')).toBe('no-store');
    expect(decodeJwt(r.body.access_token as string)).toMatchObject({ client_id: id, sub: id, aud: `${rt.baseUrl}/api` });
  });

  it('answers a client_secret_post client authenticated in the form, and narrows the scope', async () => {
    const created = cli('create', 'reporting', '--scope', 'reports:read', '--scope', 'orders:read', '--auth-method', 'client_secret_post');
    const [postId, postSecret] = [field(created, 'client_id'), field(created, 'client_secret')];
    const r = await token({ grant_type: 'client_credentials', client_id: postId, client_secret: postSecret, scope: 'reports:read' });
    expect([r.status, r.body.scope]).toEqual([200, 'reports:read']);
    // Its registered method only: the same secret over Basic is refused.
    expect((await token({ grant_type: 'client_credentials' }, { Authorization: basic(postId, postSecret) })).status).toBe(401);
  });

  it('refuses with the RFC 6749 §5.2 codes, challenging for Basic where Basic was used or nothing was sent', async () => {
    const good = { Authorization: basic(id, secret) };
    const cases: [Record<string, string>, Record<string, string>, number, string][] = [
      [{ grant_type: 'password' }, good, 400, 'unsupported_grant_type'],
      [{ grant_type: 'client_credentials', scope: 'payments:write' }, good, 400, 'invalid_scope'],
      [{ grant_type: 'client_credentials', resource: 'https://elsewhere.example' }, good, 400, 'invalid_target'],
      [{ scope: 'orders:read' }, good, 400, 'invalid_request'],
      [{ grant_type: 'client_credentials', client_id: id, client_secret: secret }, good, 400, 'invalid_request'],
      [{ grant_type: 'client_credentials' }, { Authorization: basic(id, 'not-the-secret') }, 401, 'invalid_client'],
      [{ grant_type: 'client_credentials' }, {}, 401, 'invalid_client'],
      [{ grant_type: 'client_credentials' }, { Authorization: 'Basic !!!' }, 401, 'invalid_client'],
    ];
    for (const [form, headers, status, error] of cases) {
      const r = await token(form, headers);
      expect([form, r.status, r.body.error]).toEqual([form, status, error]);
      if (status === 401) expect(r.headers.get('www-authenticate')).toMatch(/^Basic /);
    }
    const post = await token({ grant_type: 'client_credentials', client_id: id, client_secret: 'wrong' });
    expect([post.status, post.body.error, post.headers.get('www-authenticate')]).toEqual([401, 'invalid_client', null]);
    const twice = await token({ grant_type: 'client_credentials' }, good).then(() =>
      call(rt.baseUrl, 'POST', '/oauth2/token', {
        body: 'grant_type=client_credentials&grant_type=client_credentials',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded', ...good },
      }),
    );
    expect([twice.status, twice.body.error]).toEqual([400, 'invalid_request']);
    const asJson = await call(rt.baseUrl, 'POST', '/oauth2/token', { body: { grant_type: 'client_credentials' }, headers: good });
    expect([asJson.status, asJson.body.error]).toEqual([415, 'invalid_request']);
  });

  it('keeps the old secret working through a rotation, and takes the client token for no user route', async () => {
    const rotated = cli('rotate-secret', id);
    const fresh = field(rotated, 'client_secret');
    for (const s of [secret, fresh])
      expect((await token({ grant_type: 'client_credentials' }, { Authorization: basic(id, s) })).status).toBe(200);
    const { body } = await token({ grant_type: 'client_credentials' }, { Authorization: basic(id, fresh) });
    const me = await call(rt.baseUrl, 'GET', '/api/me', { token: body.access_token as string });
    expect(me.status).toBe(403);
    cli('disable', id);
    // For up to 10 s the endpoint may still answer from its client cache; a token it gives does not stand.
    const after = await token({ grant_type: 'client_credentials' }, { Authorization: basic(id, fresh) });
    const checker = cli('create', 'checker', '--scope', 'introspect');
    const checked = await call(rt.baseUrl, 'POST', '/oauth2/introspect', {
      body: new URLSearchParams({ token: String(after.body.access_token ?? 'none') }).toString(),
      headers: {
        'Content-Type': 'application/x-www-form-urlencoded',
        Authorization: basic(field(checker, 'client_id'), field(checker, 'client_secret')),
      },
    });
    expect(after.status === 401 || checked.body.active === false).toBe(true);
    expect(cli('list')).toContain(`${id.padEnd(24)} disabled`);
  });
});

describe('authorization server metadata (RFC 8414)', () => {
  it('is the same document at both well-known paths, and its token endpoint is where a client gets a token', async () => {
    const meta = await call(rt.baseUrl, 'GET', '/.well-known/oauth-authorization-server');
    const oidc = await call(rt.baseUrl, 'GET', '/.well-known/openid-configuration');
    expect(oidc.body).toEqual(meta.body);
    expect(meta.body).toMatchObject({
      issuer: rt.baseUrl,
      token_endpoint: `${rt.baseUrl}/oauth2/token`,
      introspection_endpoint: `${rt.baseUrl}/oauth2/introspect`,
      revocation_endpoint: `${rt.baseUrl}/oauth2/revoke`,
      grant_types_supported: ['client_credentials', 'urn:ietf:params:oauth:grant-type:token-exchange'],
      token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post', 'private_key_jwt'],
      token_endpoint_auth_signing_alg_values_supported: ['RS256', 'ES256'],
      scopes_supported: ['ping'],
      response_types_supported: [],
    });
    const endpoint = new URL(meta.body.token_endpoint as string).pathname;
    const created = cli('create', 'discovered', '--scope', 'ping');
    const r = await call(rt.baseUrl, 'POST', endpoint, {
      body: 'grant_type=client_credentials',
      headers: {
        'Content-Type': 'application/x-www-form-urlencoded',
        Authorization: basic(field(created, 'client_id'), field(created, 'client_secret')),
      },
    });
    expect(r.status).toBe(200);
  });
});

describe('introspection (RFC 7662) and revocation (RFC 7009)', () => {
  const form = (path: string, body: Record<string, string>, headers: Record<string, string>) =>
    call(rt.baseUrl, 'POST', path, {
      body: new URLSearchParams(body).toString(),
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', ...headers },
    });

  it("answers what a valid token says, {active: false} for anything else, and ends a client's tokens when it revokes one", async () => {
    // Prepare: a resource server client that introspects, a job client whose token it checks, and a user's token.
    const rs = cli('create', 'resource server', '--scope', 'introspect');
    const rsAuth = { Authorization: basic(field(rs, 'client_id'), field(rs, 'client_secret')) };
    const job = cli('create', 'job', '--scope', 'ping');
    const jobAuth = { Authorization: basic(field(job, 'client_id'), field(job, 'client_secret')) };
    const jobToken = (await token({ grant_type: 'client_credentials' }, jobAuth)).body.access_token as string;
    runUsersCli(['create', 'bob'], { AUTH_DATA_DIR: rt.dataDir }, 'bob has a passphrase\n');
    const login = await call(rt.baseUrl, 'POST', '/api/auth/login', { body: { username: 'bob', password: 'bob has a passphrase' } });
    const userToken = login.body.access_token as string;

    // Act and assess: introspection.
    const seen = await form('/oauth2/introspect', { token: jobToken }, rsAuth);
    expect(seen.body).toMatchObject({ active: true, token_type: 'Bearer', client_id: field(job, 'client_id'), scope: 'ping' });
    expect(seen.headers.get('cache-control')).toBe('no-store');
    expect((await form('/oauth2/introspect', { token: userToken }, rsAuth)).body).toMatchObject({ active: true, username: 'bob' });
    for (const t of ['garbage', `${jobToken.slice(0, -4)}AAAA`])
      expect((await form('/oauth2/introspect', { token: t }, rsAuth)).body).toEqual({ active: false });
    expect((await form('/oauth2/introspect', { token: jobToken }, {})).status).toBe(401);
    await call(rt.baseUrl, 'POST', '/api/auth/logout', { body: { refresh_token: login.body.refresh_token } });
    expect((await form('/oauth2/introspect', { token: userToken }, rsAuth)).body).toEqual({ active: false });

    // Revocation: by another client, refused; an invalid token is no error; by its own client, every token of it ends.
    const other = await form('/oauth2/revoke', { token: jobToken }, rsAuth);
    expect([other.status, other.body.error]).toEqual([400, 'unauthorized_client']);
    expect((await form('/oauth2/revoke', { token: 'garbage' }, jobAuth)).status).toBe(200);
    const revoked = await form('/oauth2/revoke', { token: jobToken, token_type_hint: 'access_token' }, jobAuth);
    expect([revoked.status, revoked.body]).toEqual([200, {}]);
    expect((await form('/oauth2/introspect', { token: jobToken }, rsAuth)).body).toEqual({ active: false });
    await new Promise((r) => setTimeout(r, 2200)); // past the revocation cut-off and the caches
    expect((await call(rt.baseUrl, 'GET', '/api/machine/ping', { token: jobToken })).status).toBe(401);
    const fresh = (await token({ grant_type: 'client_credentials' }, jobAuth)).body.access_token as string;
    expect((await call(rt.baseUrl, 'GET', '/api/machine/ping', { token: fresh })).status).toBe(200);
  });
});

describe('a standard OAuth client library (openid-client, which nobody on this project wrote)', () => {
  it('discovers the server, obtains a token by client credentials, introspects it and revokes it', async () => {
    // Prepare: a client, and openid-client configured from the discovery document alone.
    const created = cli('create', 'library user', '--scope', 'ping', '--scope', 'introspect');
    const [cid, csecret] = [field(created, 'client_id'), field(created, 'client_secret')];
    const config = await oauthClient.discovery(new URL(rt.baseUrl), cid, undefined, oauthClient.ClientSecretBasic(csecret), {
      execute: [oauthClient.allowInsecureRequests], // the local runtime speaks plain HTTP on loopback
    });

    // Act and assess: every call goes through the library, which checks our answers as the RFCs ask.
    const tokens = await oauthClient.clientCredentialsGrant(config, { scope: 'ping' });
    expect(tokens).toMatchObject({ token_type: 'bearer', scope: 'ping' });
    expect((await call(rt.baseUrl, 'GET', '/api/machine/ping', { token: tokens.access_token })).status).toBe(200);
    expect(await oauthClient.tokenIntrospection(config, tokens.access_token)).toMatchObject({
      active: true,
      client_id: cid,
      scope: 'ping',
    });
    await oauthClient.tokenRevocation(config, tokens.access_token);
    expect(await oauthClient.tokenIntrospection(config, tokens.access_token)).toMatchObject({ active: false });
    await expect(oauthClient.clientCredentialsGrant(config, { scope: 'payments:write' })).rejects.toMatchObject({ error: 'invalid_scope' });
  });
});

describe('scopes at the gateway', () => {
  it('allows a client token exactly on the routes its scopes permit, with the policy cached per route', async () => {
    const pinger = cli('create', 'pinger', '--scope', 'ping');
    const other = cli('create', 'other', '--scope', 'orders:read');
    const tokenOf = async (out: string) =>
      (await token({ grant_type: 'client_credentials' }, { Authorization: basic(field(out, 'client_id'), field(out, 'client_secret')) }))
        .body.access_token as string;
    const [withPing, withoutPing] = [await tokenOf(pinger), await tokenOf(other)];
    // The permitted route, twice (the second answer comes from the gateway's cache), then a forbidden one.
    for (let i = 0; i < 2; i++) {
      const ok = await call(rt.baseUrl, 'GET', '/api/machine/ping', { token: withPing });
      expect([ok.status, ok.body]).toEqual([200, { client_id: field(pinger, 'client_id'), scope: 'ping' }]);
    }
    expect((await call(rt.baseUrl, 'GET', '/api/me', { token: withPing })).status).toBe(403);
    expect((await call(rt.baseUrl, 'GET', '/api/admin/ping', { token: withPing })).status).toBe(403);
    expect((await call(rt.baseUrl, 'GET', '/api/machine/ping', { token: withPing })).status).toBe(200);
    expect((await call(rt.baseUrl, 'GET', '/api/machine/ping', { token: withoutPing })).status).toBe(403);
  });

  it("takes no user's token on a route that lists only scopes", async () => {
    const r = runUsersCli(['create', 'alice', '--role', 'admin'], { AUTH_DATA_DIR: rt.dataDir }, 'a long enough passphrase\n');
    expect(r.status).toBe(0);
    const user = (await signInEnrollingTotp(rt.baseUrl, 'alice', 'a long enough passphrase')).access_token;
    expect((await call(rt.baseUrl, 'GET', '/api/admin/ping', { token: user })).status).toBe(200);
    expect((await call(rt.baseUrl, 'GET', '/api/machine/ping', { token: user })).status).toBe(403);
  });

  it("ends a disabled client's tokens at the gateway within the cache bound, and enabling it again does not bring them back", async () => {
    const created = cli('create', 'to be disabled', '--scope', 'ping');
    const [cid, csecret] = [field(created, 'client_id'), field(created, 'client_secret')];
    const fetchToken = async () =>
      (await token({ grant_type: 'client_credentials' }, { Authorization: basic(cid, csecret) })).body.access_token as string;
    const old = await fetchToken();
    expect((await call(rt.baseUrl, 'GET', '/api/machine/ping', { token: old })).status).toBe(200);
    cli('disable', cid);
    await new Promise((r) => setTimeout(r, 2200));
    expect((await call(rt.baseUrl, 'GET', '/api/machine/ping', { token: old })).status).toBe(401);
    cli('enable', cid);
    await new Promise((r) => setTimeout(r, 1100)); // a new token's iat must pass the cut-off second
    const fresh = await fetchToken();
    await new Promise((r) => setTimeout(r, 1100));
    expect((await call(rt.baseUrl, 'GET', '/api/machine/ping', { token: old })).status).toBe(401);
    expect((await call(rt.baseUrl, 'GET', '/api/machine/ping', { token: fresh })).status).toBe(200);
  });
});

describe('the admin API for clients', () => {
  it('does over HTTP what the CLI does, for admins only, every answer checked against the OpenAPI document', async () => {
    // Prepare: an admin's token and a plain user's.
    runUsersCli(['create', 'carol', '--role', 'admin'], { AUTH_DATA_DIR: rt.dataDir }, 'carol has a passphrase\n');
    runUsersCli(['create', 'dave'], { AUTH_DATA_DIR: rt.dataDir }, 'dave has a passphrase\n');
    const tokenOf = async (username: string) =>
      (await call(rt.baseUrl, 'POST', '/api/auth/login', { body: { username, password: `${username} has a passphrase` } })).body
        .access_token as string;
    const [admin, user] = [(await signInEnrollingTotp(rt.baseUrl, 'carol', 'carol has a passphrase')).access_token, await tokenOf('dave')];
    const as = (t: string) => ({ token: t });

    // Act and assess
    expect((await call(rt.baseUrl, 'GET', '/api/admin/clients', as(user))).status).toBe(403);
    const created = await call(rt.baseUrl, 'POST', '/api/admin/clients', {
      ...as(admin),
      body: { name: 'reports', scopes: ['ping'], access_token_ttl_seconds: 600 },
    });
    expect(created.status).toBe(201);
    const { client, client_secret } = created.body as { client: { clientId: string; audiences: string[] }; client_secret: string };
    expect(client.audiences).toEqual([`${rt.baseUrl}/api`]);
    const issued = await token({ grant_type: 'client_credentials' }, { Authorization: basic(client.clientId, client_secret) });
    expect([issued.status, issued.body.expires_in]).toEqual([200, 600]);
    const listed = await call(rt.baseUrl, 'GET', '/api/admin/clients', as(admin));
    expect((listed.body.clients as { clientId: string }[]).map((c) => c.clientId)).toContain(client.clientId);
    expect(JSON.stringify(listed.body)).not.toContain('hash');
    const rotated = await call(rt.baseUrl, 'POST', `/api/admin/clients/${client.clientId}/rotate-secret`, as(admin));
    const oldId = (rotated.body.client as { secrets: { id: string; expiresAt?: number }[] }).secrets.find((x) => x.expiresAt)?.id;
    expect((await call(rt.baseUrl, 'DELETE', `/api/admin/clients/${client.clientId}/secrets/${oldId}`, as(admin))).status).toBe(200);
    const newId = ((await call(rt.baseUrl, 'GET', `/api/admin/clients/${client.clientId}`, as(admin))).body.secrets as { id: string }[])[0]
      ?.id;
    expect((await call(rt.baseUrl, 'DELETE', `/api/admin/clients/${client.clientId}/secrets/${newId}`, as(admin))).status).toBe(409);
    const scoped = await call(rt.baseUrl, 'PUT', `/api/admin/clients/${client.clientId}/scopes`, {
      ...as(admin),
      body: { scopes: ['a', 'b'] },
    });
    expect(scoped.body.scopes).toEqual(['a', 'b']);
    const bad = await call(rt.baseUrl, 'PUT', `/api/admin/clients/${client.clientId}/audiences`, { ...as(admin), body: { audiences: [] } });
    expect([bad.status, bad.body.error]).toEqual([400, 'invalid_request']);
    expect((await call(rt.baseUrl, 'POST', `/api/admin/clients/${client.clientId}/disable`, as(admin))).body.status).toBe('disabled');
    expect((await call(rt.baseUrl, 'POST', `/api/admin/clients/${client.clientId}/enable`, as(admin))).body.status).toBe('active');
    expect((await call(rt.baseUrl, 'DELETE', `/api/admin/clients/${client.clientId}`, as(admin))).status).toBe(204);
    expect((await call(rt.baseUrl, 'GET', `/api/admin/clients/${client.clientId}`, as(admin))).status).toBe(404);
  });
});

describe('private_key_jwt (RFC 7523)', () => {
  it('lets openid-client authenticate with a signed assertion, and refuses the same assertion twice', async () => {
    // Prepare: a key pair; the public key registered with the CLI.
    const { privateKey, publicKey } = await generateKeyPair('ES256');
    const jwksFile = join(rt.dataDir, 'signer-jwks.json');
    await writeFile(jwksFile, JSON.stringify({ keys: [{ ...(await exportJWK(publicKey)), kid: 'k1', alg: 'ES256' }] }));
    const created = cli('create', 'signer', '--scope', 'ping', '--auth-method', 'private_key_jwt', '--jwks-file', jwksFile);
    const cid = field(created, 'client_id');
    expect(created).not.toContain('client_secret');

    // Act and assess: the library signs its own assertions (aud: the issuer).
    const config = await oauthClient.discovery(new URL(rt.baseUrl), cid, undefined, oauthClient.PrivateKeyJwt(privateKey), {
      execute: [oauthClient.allowInsecureRequests],
    });
    const tokens = await oauthClient.clientCredentialsGrant(config, { scope: 'ping' });
    expect((await call(rt.baseUrl, 'GET', '/api/machine/ping', { token: tokens.access_token })).body).toEqual({
      client_id: cid,
      scope: 'ping',
    });

    // One assertion, sent twice to the token endpoint: the second is a replay.
    const now = Math.floor(Date.now() / 1000);
    const assertion = await new SignJWT({ jti: randomUUID() })
      .setProtectedHeader({ alg: 'ES256', kid: 'k1' })
      .setIssuer(cid)
      .setSubject(cid)
      .setAudience(`${rt.baseUrl}/oauth2/token`)
      .setIssuedAt(now)
      .setExpirationTime(now + 60)
      .sign(privateKey);
    const send = () =>
      token({
        grant_type: 'client_credentials',
        client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
        client_assertion: assertion,
      });
    expect((await send()).status).toBe(200);
    const replay = await send();
    expect([replay.status, replay.body.error]).toEqual([401, 'invalid_client']);
    const wrongType = await token({ grant_type: 'client_credentials', client_assertion_type: 'urn:other', client_assertion: assertion });
    expect([wrongType.status, wrongType.body.error]).toEqual([400, 'invalid_request']);
  });
});

describe('token exchange (RFC 8693)', () => {
  it("gives a service a token for the user it serves: the user kept, act set, scopes narrowed; refused for another audience; ended with the user's session", async () => {
    // Prepare: a user's token pair, and the service acting for them (it may have ping on the service's own API).
    runUsersCli(['create', 'frank'], { AUTH_DATA_DIR: rt.dataDir }, 'frank has a passphrase\n');
    const pair = (await call(rt.baseUrl, 'POST', '/api/auth/login', { body: { username: 'frank', password: 'frank has a passphrase' } }))
      .body as { access_token: string; refresh_token: string };
    const svc = cli('create', 'orders service', '--scope', 'ping', '--scope', 'orders:read', '--audience', `${rt.baseUrl}/api`);
    const [sid, ssecret] = [field(svc, 'client_id'), field(svc, 'client_secret')];
    const exchange = (over: Record<string, string> = {}) =>
      token(
        {
          grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange',
          subject_token: pair.access_token,
          subject_token_type: 'urn:ietf:params:oauth:token-type:access_token',
          scope: 'ping',
          ...over,
        },
        { Authorization: basic(sid, ssecret) },
      );

    // Act and assess
    const r = await exchange();
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({
      issued_token_type: 'urn:ietf:params:oauth:token-type:access_token',
      token_type: 'Bearer',
      scope: 'ping',
    });
    const delegated = r.body.access_token as string;
    expect(decodeJwt(delegated)).toMatchObject({ username: 'frank', act: { sub: sid }, client_id: sid, scope: 'ping' });
    // On a route that lists the scope, the gateway lets the user through the acting service.
    const ping = await call(rt.baseUrl, 'GET', '/api/machine/ping', { token: delegated });
    expect([ping.status, ping.body.username]).toEqual([200, 'frank']);
    // Not on the user's roles: /api/me takes any signed-in user, but not a service acting for one.
    expect((await call(rt.baseUrl, 'GET', '/api/me', { token: delegated })).status).toBe(403);
    const elsewhere = await exchange({ resource: 'https://payments.example.com' });
    expect([elsewhere.status, elsewhere.body.error]).toEqual([400, 'invalid_target']);
    const bad = await exchange({ subject_token: 'garbage' });
    expect([bad.status, bad.body.error]).toEqual([400, 'invalid_request']);
    // openid-client speaks the grant too.
    const config = await oauthClient.discovery(new URL(rt.baseUrl), sid, undefined, oauthClient.ClientSecretBasic(ssecret), {
      execute: [oauthClient.allowInsecureRequests],
    });
    const viaLibrary = await oauthClient.genericGrantRequest(config, 'urn:ietf:params:oauth:grant-type:token-exchange', {
      subject_token: pair.access_token,
      subject_token_type: 'urn:ietf:params:oauth:token-type:access_token',
      scope: 'orders:read',
    });
    expect(viaLibrary.scope).toBe('orders:read');
    // The user logs out: the exchanged token falls with the session, within the cache bound.
    await call(rt.baseUrl, 'POST', '/api/auth/logout', { body: { refresh_token: pair.refresh_token } });
    await new Promise((res) => setTimeout(res, 2200));
    expect((await call(rt.baseUrl, 'GET', '/api/machine/ping', { token: delegated })).status).toBe(401);
  });
});
