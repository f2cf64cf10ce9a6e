import { decodeJwt } from 'jose';
import { InvalidRequestError, InvalidTargetError } from '../../../functions/lib/domain/errors';
import { userTokenStanding } from '../../../functions/lib/domain/token-standing';
import { clientCredentials } from '../../../functions/lib/flows/client-credentials';
import { registerClient } from '../../../functions/lib/flows/clients';
import { login } from '../../../functions/lib/flows/login';
import { logout } from '../../../functions/lib/flows/logout';
import { ACCESS_TOKEN_TYPE, exchangeToken } from '../../../functions/lib/flows/token-exchange';
import { createUser } from '../../../functions/lib/flows/users';
import { memoryHarness } from '../../helpers/memory-harness';
import { introspect } from '../../../functions/lib/flows/token-status';

const API = 'https://api.test.example';
const PAYMENTS = 'https://payments.test.example';
const meta = { requestId: 'r', sourceIp: '198.51.100.40' };

/** A user with a session, and the orders service as a client that may call payments. */
async function setUp() {
  const h = await memoryHarness();
  await createUser({ username: 'erin', password: 'erin has a passphrase', roles: ['user'] }, meta, h.core);
  const pair = await login({ username: 'erin', password: 'erin has a passphrase' }, meta, h.core);
  const { client, clientSecret } = await registerClient(
    { name: 'orders', scopes: ['payments:charge', 'payments:refund'], audiences: [PAYMENTS, API] },
    meta,
    h.core,
  );
  const orders = (await h.core.clients.getClient(client.clientId)) as NonNullable<Awaited<ReturnType<typeof h.core.clients.getClient>>>;
  const exchange = (subjectToken: string, over: { audience?: string; scope?: string; subjectTokenType?: string } = {}) =>
    exchangeToken({ subjectToken, subjectTokenType: ACCESS_TOKEN_TYPE, audience: PAYMENTS, ...over }, orders, meta, h.core);
  return { h, pair, orders, clientSecret: clientSecret as string, exchange };
}

describe('token exchange (RFC 8693), on the in-memory stores', () => {
  it("keeps the user, names the acting client in act, narrows the audience and scopes, and never outlives the user's token", async () => {
    const { pair, orders, exchange } = await setUp();
    const answer = await exchange(pair.access_token, { scope: 'payments:charge' });
    expect(answer).toMatchObject({ issued_token_type: ACCESS_TOKEN_TYPE, token_type: 'Bearer', scope: 'payments:charge' });
    const [subject, issued] = [decodeJwt(pair.access_token), decodeJwt(answer.access_token)];
    expect(issued).toMatchObject({
      sub: subject.sub,
      username: 'erin',
      sid: subject.sid,
      aud: PAYMENTS,
      act: { sub: orders.clientId },
      client_id: orders.clientId,
      scope: 'payments:charge',
    });
    expect(issued.exp).toBeLessThanOrEqual(subject.exp as number);
  });

  it("refuses an audience the registration does not list, and a scope beyond the client's", async () => {
    const { pair, exchange } = await setUp();
    await expect(exchange(pair.access_token, { audience: 'https://elsewhere.test.example' })).rejects.toBeInstanceOf(InvalidTargetError);
    await expect(exchange(pair.access_token, { scope: 'payments:everything' })).rejects.toMatchObject({ code: 'ERR_INVALID_SCOPE' });
  });

  it("exchanges only a user's own standing token: not a client's, not an exchanged one, not a logged-out one, not another type", async () => {
    const { h, pair, orders, clientSecret, exchange } = await setUp();
    const machine = await clientCredentials({ clientId: orders.clientId, clientSecret, method: 'client_secret_basic' }, meta, h.core);
    const exchanged = await exchange(pair.access_token);
    for (const token of [machine.access_token, exchanged.access_token, 'garbage']) {
      await expect(exchange(token)).rejects.toBeInstanceOf(InvalidRequestError);
    }
    await expect(exchange(pair.access_token, { subjectTokenType: 'urn:ietf:params:oauth:token-type:id_token' })).rejects.toBeInstanceOf(
      InvalidRequestError,
    );
    await logout(pair.refresh_token, meta, h.core);
    await expect(exchange(pair.access_token)).rejects.toBeInstanceOf(InvalidRequestError);
    // The token exchanged before the logout falls with the session it carries.
    const claims = decodeJwt(exchanged.access_token) as { sub: string; iat: number; roles: string[]; sid: string; username: string };
    const state = { session: await h.core.sessions.getSession(claims.sid), user: await h.core.users.getUser(claims.username) };
    expect(userTokenStanding(claims, state)).toEqual({ revoked: 'session_revoked' });
  });

  it("is active at introspection for the downstream audience the acting client lists, and inactive once the user's session ends", async () => {
    const { h, pair, orders, exchange } = await setUp();
    const { access_token } = await exchange(pair.access_token);
    expect(await introspect(access_token, h.core)).toMatchObject({
      active: true,
      username: 'erin',
      aud: PAYMENTS,
      act: { sub: orders.clientId },
      client_id: orders.clientId,
    });
    await logout(pair.refresh_token, meta, h.core);
    expect(await introspect(access_token, h.core)).toEqual({ active: false });
    expect(orders.audiences).toContain(PAYMENTS);
  });
});
