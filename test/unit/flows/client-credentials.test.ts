import { decodeJwt, decodeProtectedHeader } from 'jose';
import {
  InvalidClientError,
  InvalidScopeError,
  InvalidTargetError,
  TokenError,
  TooManyAttemptsError,
} from '../../../functions/lib/domain/errors';
import { clientCredentials, type ClientCredentialsInput } from '../../../functions/lib/flows/client-credentials';
import { registerClient, rotateClientSecret, revokeClientSecret, setClientStatus } from '../../../functions/lib/flows/clients';
import { CachedKeySource } from '../../../functions/lib/tokens/cached-key-source';
import { createVerifyDeps } from '../../../functions/lib/wiring/verify';
import { testConfig, testSecrets } from '../../helpers/harness';
import { memoryHarness } from '../../helpers/memory-harness';
import { cachedClientReader } from '../../../functions/lib/flows/client-cache';
import { clientTokenStanding } from '../../../functions/lib/domain/token-standing';

const API = 'https://api.test.example';
const meta = (ip = '198.51.100.20') => ({ requestId: 'r', sourceIp: ip });

async function withClient(
  over: { scopes?: string[]; audiences?: string[]; authMethod?: 'client_secret_basic' | 'client_secret_post' } = {},
) {
  const h = await memoryHarness();
  const { client, clientSecret: secret } = await registerClient(
    {
      name: 'nightly job',
      scopes: over.scopes ?? ['orders:read', 'orders:write'],
      audiences: over.audiences ?? [API],
      authMethod: over.authMethod,
    },
    meta(),
    h.core,
  );
  const clientSecret = secret as string;
  const ask = (input: Partial<ClientCredentialsInput> = {}, ip?: string) =>
    clientCredentials({ clientId: client.clientId, clientSecret, method: 'client_secret_basic', ...input }, meta(ip), h.core);
  return { h, client, clientSecret, ask };
}

describe('the client credentials grant (RFC 6749 §4.4), on the in-memory stores', () => {
  it('issues an RFC 9068 token: the client as sub and client_id, scope, aud; no refresh token, no sid, no roles', async () => {
    const { client, ask } = await withClient();
    const answer = await ask();
    expect(answer).toEqual({ access_token: expect.any(String), token_type: 'Bearer', expires_in: 3600, scope: 'orders:read orders:write' });
    expect(decodeProtectedHeader(answer.access_token).typ).toBe('at+jwt');
    const claims = decodeJwt(answer.access_token);
    expect(claims).toMatchObject({ sub: client.clientId, client_id: client.clientId, aud: API, scope: 'orders:read orders:write' });
    expect(claims.exp).toBe((claims.iat as number) + 3600);
    for (const userClaim of ['sid', 'roles', 'username']) expect(claims).not.toHaveProperty(userClaim);
  });

  it('is never accepted as a user token, by jose or by the fast verifier of the authorizer and validate', async () => {
    const { h, ask } = await withClient();
    const { access_token } = await ask();
    await expect(h.core.accessTokens.verify(access_token)).rejects.toMatchObject({ code: 'ERR_JWT_CLAIM_MISSING' });
    const s = await testSecrets();
    const keys = new CachedKeySource({ load: async () => ({ jwks: s.signingKeys, signingKid: s.signingKid }), ttlMs: 60_000 });
    const fast = createVerifyDeps(testConfig(), keys, { now: h.clock }).accessTokens;
    await expect(fast.verify(access_token)).rejects.toBeInstanceOf(TokenError);
    await expect(fast.verify(access_token)).rejects.toMatchObject({ code: expect.stringMatching(/^ERR_JWT_CLAIM_(MISSING|INVALID)$/) });
  });

  it('narrows to the scopes asked for, and refuses one the client may not have with invalid_scope', async () => {
    const { ask } = await withClient();
    expect((await ask({ scope: 'orders:read' })).scope).toBe('orders:read');
    await expect(ask({ scope: 'orders:read payments:write' })).rejects.toBeInstanceOf(InvalidScopeError);
    await expect(ask({ scope: 'bad"scope' })).rejects.toBeInstanceOf(InvalidScopeError);
  });

  it('picks the audience with resource (RFC 8707), and refuses one not registered with invalid_target', async () => {
    const { ask } = await withClient({ audiences: [API, 'https://payments.test.example'] });
    expect(decodeJwt((await ask({ resource: 'https://payments.test.example' })).access_token).aud).toBe('https://payments.test.example');
    await expect(ask({ resource: 'https://elsewhere.test.example' })).rejects.toBeInstanceOf(InvalidTargetError);
  });

  it('refuses alike an unknown client, a wrong secret, another method and a disabled client, saying Basic when Basic was used', async () => {
    const { h, client, ask } = await withClient();
    const outcomes = [
      await ask({ clientId: 'unknown-client-id-000' }).catch((e) => e),
      await ask({ clientSecret: 'not the secret' }).catch((e) => e),
      await ask({ method: 'client_secret_post' }).catch((e) => e),
    ];
    await setClientStatus(client.clientId, 'disabled', meta(), h.core);
    outcomes.push(await ask().catch((e) => e));
    for (const e of outcomes) expect(e).toBeInstanceOf(InvalidClientError);
    expect(outcomes.map((e) => e.basic)).toEqual([true, true, false, true]);
    expect(new Set(outcomes.map((e) => e.message)).size).toBe(1);
  });

  it('keeps a rotated-out secret working until its expiry, and not after; a revoked one stops at once', async () => {
    const { h, client, clientSecret: first, ask } = await withClient();
    const { clientSecret: second } = await rotateClientSecret(client.clientId, meta(), h.core, 600);
    await expect(ask({ clientSecret: first })).resolves.toBeDefined();
    await expect(ask({ clientSecret: second })).resolves.toBeDefined();
    h.clock.advance(601);
    await expect(ask({ clientSecret: first })).rejects.toBeInstanceOf(InvalidClientError);
    await expect(ask({ clientSecret: second })).resolves.toBeDefined();
    const { client: rotated, clientSecret: third } = await rotateClientSecret(client.clientId, meta(), h.core);
    const secondId = rotated.secrets.find((s) => s.expiresAt !== undefined)?.id as string;
    await revokeClientSecret(client.clientId, secondId, meta(), h.core);
    await expect(ask({ clientSecret: second })).rejects.toBeInstanceOf(InvalidClientError);
    await expect(ask({ clientSecret: third })).resolves.toBeDefined();
  });

  it('throttles failed authentication on the login counters, by client and address, and never locks out a source that authenticated', async () => {
    const { ask } = await withClient();
    await ask({}, '198.51.100.20'); // the service's own address, now trusted
    const results: unknown[] = [];
    for (let i = 0; i < 8; i++) results.push(await ask({ clientSecret: `guess ${i}` }, '203.0.113.9').catch((e) => e.constructor.name));
    expect(results.slice(0, 5)).toEqual(Array(5).fill('InvalidClientError'));
    expect(results.slice(5)).toContain('TooManyAttemptsError');
    await expect(ask({}, '203.0.113.9')).rejects.toBeInstanceOf(TooManyAttemptsError);
    await expect(ask({}, '198.51.100.20')).resolves.toBeDefined();
  });

  it("with the token endpoint's client cache: a new secret works at once, and tokens minted with a revoked one do not stand", async () => {
    // Prepare: the flows with the cache the Lambda composition root adds.
    const { h, client, clientSecret: leaked } = await withClient();
    const core = { ...h.core, authClients: cachedClientReader(h.core.clients, { now: h.clock }) };
    const askCached = (secret: string) =>
      clientCredentials({ clientId: client.clientId, clientSecret: secret, method: 'client_secret_basic' }, meta(), core);
    await askCached(leaked); // now cached
    const { client: rotated, clientSecret: fresh } = await rotateClientSecret(client.clientId, meta(), h.core);
    await expect(askCached(fresh)).resolves.toBeDefined(); // not in the cached record: read afresh

    // Act: the leaked secret is revoked; the cache may still know it for up to 10 s.
    const leakedId = rotated.secrets.find((s) => s.expiresAt !== undefined)?.id as string;
    await revokeClientSecret(client.clientId, leakedId, meta(), h.core);
    h.clock.advance(5);
    const minted = await askCached(leaked).catch(() => undefined);

    // Assess: whatever the cache answered, nothing minted before the cut-off stands; after it, the secret is refused.
    const stored = await h.core.clients.getClient(client.clientId);
    if (minted)
      expect(clientTokenStanding(decodeJwt(minted.access_token) as { iat: number }, stored)).toEqual({ revoked: 'tokens_revoked' });
    h.clock.advance(11);
    await expect(askCached(leaked)).rejects.toBeInstanceOf(InvalidClientError);
    const later = await askCached(fresh);
    expect(clientTokenStanding(decodeJwt(later.access_token) as { iat: number }, stored)).toEqual({});
  });
});
