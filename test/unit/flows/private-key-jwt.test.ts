import { exportJWK, generateKeyPair, type JWK, SignJWT } from 'jose';
import { randomUUID } from 'node:crypto';
import { InvalidClientError } from '../../../functions/lib/domain/errors';
import { clientCredentials } from '../../../functions/lib/flows/client-credentials';
import { registerClient } from '../../../functions/lib/flows/clients';
import { memoryHarness } from '../../helpers/memory-harness';

const ISSUER = 'https://auth.test.example';
const meta = { requestId: 'r', sourceIp: '198.51.100.30' };

/** A private_key_jwt client, its key, and a way to sign assertions (good by default, changed by `over`). */
async function keyedClient() {
  const h = await memoryHarness();
  const { privateKey, publicKey } = await generateKeyPair('ES256');
  const jwk: JWK = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'ES256' };
  const { client, clientSecret } = await registerClient(
    { name: 'signer', scopes: ['ping'], audiences: ['https://api.test.example'], authMethod: 'private_key_jwt', jwks: { keys: [jwk] } },
    meta,
    h.core,
  );
  const nowSeconds = () => Math.floor(h.clock() / 1000);
  const assertion = (over: { aud?: string; expIn?: number; jti?: string; key?: CryptoKey; sub?: string } = {}) =>
    new SignJWT({ jti: over.jti ?? randomUUID() })
      .setProtectedHeader({ alg: 'ES256', kid: 'k1' })
      .setIssuer(client.clientId)
      .setSubject(over.sub ?? client.clientId)
      .setAudience(over.aud ?? `${ISSUER}/oauth2/token`)
      .setIssuedAt(nowSeconds())
      .setExpirationTime(nowSeconds() + (over.expIn ?? 60))
      .sign(over.key ?? privateKey);
  const ask = async (a: string) =>
    clientCredentials({ clientId: client.clientId, clientAssertion: a, method: 'private_key_jwt' }, meta, h.core);
  return { h, client, clientSecret, assertion, ask };
}

describe('private_key_jwt client authentication (RFC 7523 §2.2), on the in-memory stores', () => {
  it('issues a token for an assertion signed by a registered key; the client has no secret', async () => {
    const { client, clientSecret, assertion, ask } = await keyedClient();
    expect(clientSecret).toBeUndefined();
    expect(client.secrets).toEqual([]);
    expect((await ask(await assertion())).scope).toBe('ping');
    expect((await ask(await assertion({ aud: ISSUER }))).scope).toBe('ping'); // the issuer names this server too
  });

  it('refuses a replayed assertion: its jti is single use until it expires', async () => {
    const { assertion, ask } = await keyedClient();
    const once = await assertion();
    await expect(ask(once)).resolves.toBeDefined();
    await expect(ask(once)).rejects.toBeInstanceOf(InvalidClientError);
  });

  it('refuses another audience, a lifetime past 5 minutes, an expired one, another key and another subject', async () => {
    const { h, assertion, ask } = await keyedClient();
    const { privateKey: stranger } = await generateKeyPair('ES256');
    const refused = [
      await assertion({ aud: 'https://elsewhere.example/oauth2/token' }),
      await assertion({ expIn: 400 }),
      await assertion({ key: stranger }),
      await assertion({ sub: 'someone-else-000000' }),
    ];
    const outcomes = await Promise.all(
      refused.map((a) =>
        ask(a).then(
          () => 'ok',
          (e) => e.constructor.name,
        ),
      ),
    );
    expect(outcomes).toEqual(Array(4).fill('InvalidClientError'));
    const old = await assertion({ expIn: 30 });
    h.clock.advance(120); // past exp and the clock tolerance
    await expect(ask(old)).rejects.toBeInstanceOf(InvalidClientError);
  });

  it("does not take a secret client's credentials as an assertion, and refuses to register a key with a private part", async () => {
    const { h } = await keyedClient();
    const { privateKey } = await generateKeyPair('ES256', { extractable: true });
    const secretOnly = await registerClient({ name: 'plain', scopes: [], audiences: ['https://api.test.example'] }, meta, h.core);
    await expect(
      clientCredentials({ clientId: secretOnly.client.clientId, clientAssertion: 'x.y.z', method: 'private_key_jwt' }, meta, h.core),
    ).rejects.toBeInstanceOf(InvalidClientError);
    await expect(
      registerClient(
        {
          name: 'leaky',
          scopes: [],
          audiences: ['https://api.test.example'],
          authMethod: 'private_key_jwt',
          jwks: { keys: [await exportJWK(privateKey)] },
        },
        meta,
        h.core,
      ),
    ).rejects.toThrow(/must be a public key/);
  });
});
