import { createMachineTokenSource, MachineTokenError } from '../../client/machine-token';
import { clientsCli, outputField, startLocalRuntime, type LocalRuntime } from '../helpers/local-runtime';

/** The machine-token helper of `client/` against `npm start`: caching, single flight, one retry on 401. */
let rt: LocalRuntime;
const cli = (...args: string[]) => clientsCli(rt, ...args);
const field = outputField;

beforeAll(async () => {
  rt = await startLocalRuntime({ env: { AUTH_AUTHORIZER_CACHE_TTL_SECONDS: '1', AUTH_REVOCATION_CACHE_SECONDS: '1' } });
});
afterAll(() => rt?.stop());

/** A source over a `fetch` that counts the token requests, with a clock the test moves. */
function sourceFor(clientId: string, clientSecret: string) {
  let tokenRequests = 0;
  let clock = Date.now();
  const source = createMachineTokenSource({
    tokenEndpoint: `${rt.baseUrl}/oauth2/token`,
    clientId,
    clientSecret,
    scope: 'ping',
    now: () => clock,
    fetch: async (input, init) => {
      if (String(input).endsWith('/oauth2/token')) tokenRequests++;
      return fetch(input, init);
    },
  });
  return { source, requests: () => tokenRequests, advance: (ms: number) => (clock += ms) };
}

describe('createMachineTokenSource', () => {
  it('makes one token request for 20 concurrent callers, keeps the token until 60 s before it expires, then fetches again', async () => {
    const created = cli('create', 'helper', '--scope', 'ping');
    const { source, requests, advance } = sourceFor(field(created, 'client_id'), field(created, 'client_secret'));
    const tokens = await Promise.all(Array.from({ length: 20 }, () => source.token()));
    expect(new Set(tokens).size).toBe(1);
    expect(requests()).toBe(1);
    advance(3600_000 - 61_000);
    await source.token();
    expect(requests()).toBe(1);
    advance(2_000);
    await source.token();
    expect(requests()).toBe(2);
  });

  it('calls a scoped route with the token, and after a 401 (the client ended its tokens) fetches a new one and retries once', async () => {
    const created = cli('create', 'retrying', '--scope', 'ping');
    const [id, secret] = [field(created, 'client_id'), field(created, 'client_secret')];
    const { source, requests } = sourceFor(id, secret);
    expect((await source.fetch(`${rt.baseUrl}/api/machine/ping`)).status).toBe(200);
    cli('disable', id);
    cli('enable', id);
    await new Promise((r) => setTimeout(r, 2200)); // past the cut-off second and the caches
    const res = await source.fetch(`${rt.baseUrl}/api/machine/ping`);
    expect([res.status, await res.json()]).toEqual([200, { client_id: id, scope: 'ping' }]);
    expect(requests()).toBe(2);
  });

  it("throws the endpoint's error code when the token endpoint refuses", async () => {
    const created = cli('create', 'refused', '--scope', 'ping');
    const { source } = sourceFor(field(created, 'client_id'), 'not the secret');
    const err = await source.token().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MachineTokenError);
    expect(err).toMatchObject({ status: 401, error: 'invalid_client' });
  });
});
