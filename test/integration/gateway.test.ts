import { createServer, type Server } from 'node:http';
import type { APIGatewayAuthorizerResult, APIGatewayProxyEvent } from 'aws-lambda';
import type { Route } from '../../functions/lib/routes';
import { createGateway, type GatewayOptions } from '../../local/gateway';

const routes: Route[] = [
  { method: 'POST', path: '/api/auth/login', handler: 'login', access: 'public' },
  { method: 'GET', path: '/api/me', handler: 'me', access: { roles: [] } },
  { method: 'DELETE', path: '/api/items/{id}', handler: 'logout', access: { roles: [] } },
  { method: 'GET', path: '/api/admin/ping', handler: 'validate', access: { roles: ['admin'] } },
];

const allowAll = (principalId: string): APIGatewayAuthorizerResult => ({
  principalId,
  policyDocument: {
    Version: '2012-10-17',
    Statement: [
      {
        Action: 'execute-api:Invoke',
        Effect: 'Allow',
        Resource: [
          'arn:aws:execute-api:local:000000000000:local/local/*/api/me',
          'arn:aws:execute-api:local:000000000000:local/local/DELETE/api/items/*',
        ],
      },
    ],
  },
  context: { sub: principalId, roles: 'user' },
});

let server: Server;
let base: string;
let seen: APIGatewayProxyEvent[];
let authorizerCalls: number;
let authorizer: GatewayOptions['authorizer'];
let ttl = 300;

async function start(options: Partial<GatewayOptions> = {}) {
  seen = [];
  authorizerCalls = 0;
  const echo = async (event: APIGatewayProxyEvent) => {
    seen.push(event);
    return { statusCode: 200, body: JSON.stringify({ ok: true }) };
  };
  const gateway = createGateway({
    routes,
    handlers: {
      login: echo,
      me: echo,
      logout: echo,
      validate: echo,
      register: echo,
      jwks: echo,
      refresh: echo,
      sessions: echo,
      password: echo,
      admin: echo,
    },
    authorizer: async (e) => {
      authorizerCalls++;
      return authorizer(e);
    },
    authorizerCacheTtlSeconds: ttl,
    accessLog: () => undefined,
    ...options,
  });
  server = createServer(gateway);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const address = server.address();
  base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
}

afterEach(async () => {
  await new Promise((r) => server.close(r));
});

describe('the local gateway', () => {
  beforeEach(() => {
    authorizer = async () => allowAll('u-1');
    ttl = 300;
  });

  it("builds a v1 proxy event: path parameters, multi-value query and headers in the client's case, authorizer context", async () => {
    await start();
    const res = await fetch(`${base}/api/items/42?tag=a&tag=b&one=1`, {
      method: 'DELETE',
      headers: { Authorization: 'Bearer t', 'X-Custom': 'v' },
    });
    expect(res.status).toBe(200);
    const event = seen[0] as APIGatewayProxyEvent;
    expect(event).toMatchObject({
      resource: '/api/items/{id}',
      path: '/api/items/42',
      httpMethod: 'DELETE',
      pathParameters: { id: '42' },
      queryStringParameters: { tag: 'b', one: '1' },
      multiValueQueryStringParameters: { tag: ['a', 'b'], one: ['1'] },
      body: null,
      isBase64Encoded: false,
    });
    expect(event.headers['X-Custom']).toBe('v');
    expect(event.multiValueHeaders['X-Custom']).toEqual(['v']);
    expect(event.requestContext).toMatchObject({
      resourcePath: '/api/items/{id}',
      httpMethod: 'DELETE',
      stage: 'local',
      identity: expect.objectContaining({ sourceIp: '127.0.0.1' }),
      authorizer: { sub: 'u-1', roles: 'user', principalId: 'u-1' },
    });
  });

  it('reuses an authorizer result for the same Authorization header within the TTL', async () => {
    await start();
    await fetch(`${base}/api/me`, { headers: { Authorization: 'Bearer t' } });
    await fetch(`${base}/api/me`, { headers: { Authorization: 'Bearer t' } });
    await fetch(`${base}/api/me`, { headers: { Authorization: 'Bearer other' } });
    expect(authorizerCalls).toBe(2);
  });

  it('calls the authorizer every time when the TTL is 0', async () => {
    ttl = 0;
    await start();
    await fetch(`${base}/api/me`, { headers: { Authorization: 'Bearer t' } });
    await fetch(`${base}/api/me`, { headers: { Authorization: 'Bearer t' } });
    expect(authorizerCalls).toBe(2);
  });

  it('answers 403 where the policy allows nothing for the route, and 500 when the authorizer fails otherwise', async () => {
    await start();
    expect((await fetch(`${base}/api/admin/ping`, { headers: { Authorization: 'Bearer t' } })).status).toBe(403);
    authorizer = async () => {
      throw new Error('boom');
    };
    const res = await fetch(`${base}/api/me`, { headers: { Authorization: 'Bearer x' } });
    expect(res.status).toBe(500);
    expect(await res.json()).toEqual({ error: 'server_error', error_description: 'authorization failed' });
  });

  it('answers 401 without calling the authorizer when there is no Authorization header', async () => {
    await start();
    const res = await fetch(`${base}/api/me`);
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe('Bearer');
    expect(authorizerCalls).toBe(0);
  });

  it('turns a handler crash into 502', async () => {
    await start({
      handlers: {
        login: async () => {
          throw new Error('crash');
        },
      } as unknown as GatewayOptions['handlers'],
    });
    const res = await fetch(`${base}/api/auth/login`, { method: 'POST', body: '{}' });
    expect(res.status).toBe(502);
    expect(await res.json()).toEqual({ error: 'bad_gateway', error_description: 'the function failed' });
  });
});
