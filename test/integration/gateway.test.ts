import { createServer, type Server } from 'node:http';
import { connect } from 'node:net';
import fc from 'fast-check';
import type { APIGatewayAuthorizerResult, APIGatewayProxyEvent } from 'aws-lambda';
import type { Route } from '../../functions/lib/contract/routes';
import { answerClientError, createGateway, forwardedFor, type GatewayOptions } from '../../local/gateway';

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
      token: echo,
      mfa: echo,
      recovery: echo,
      console: echo,
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
  server.on('clientError', answerClientError);
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

  it("answers each request with API Gateway's x-amzn-RequestId, the id the function's event (and so its audit records) carries", async () => {
    await start();
    const [a, b] = [await fetch(`${base}/api/me`, { headers: { Authorization: 'Bearer t' } }), await fetch(`${base}/nowhere`)];
    expect(a.headers.get('x-amzn-requestid')).toBe(seen[0]?.requestContext.requestId);
    expect(b.headers.get('x-amzn-requestid')).toMatch(/^[0-9a-f-]{36}$/);
    expect(b.headers.get('x-amzn-requestid')).not.toBe(a.headers.get('x-amzn-requestid'));
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

  it('answers 403 where the policy allows nothing for the route, and 503 with Retry-After when the authorizer fails otherwise', async () => {
    await start();
    expect((await fetch(`${base}/api/admin/ping`, { headers: { Authorization: 'Bearer t' } })).status).toBe(403);
    authorizer = async () => {
      throw new Error('boom');
    };
    const res = await fetch(`${base}/api/me`, { headers: { Authorization: 'Bearer x' } });
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('1');
    expect(await res.json()).toEqual({
      error: 'temporarily_unavailable',
      error_description: 'authorization is unavailable; retry shortly',
    });
  });

  it("adds CORS for the one listed origin to its own answers, as the stack's Gateway Responses do", async () => {
    await start({ allowedOrigins: ['https://app.example.com'] });
    const res = await fetch(`${base}/api/me`, { headers: { Origin: 'https://app.example.com' } });
    expect(res.status).toBe(401);
    expect(res.headers.get('access-control-allow-origin')).toBe('https://app.example.com');
    expect(res.headers.get('access-control-allow-credentials')).toBe('true');
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

  it('answers a malformed percent-encoding in a path parameter with 400 JSON, and keeps serving', async () => {
    await start();
    const res = await fetch(`${base}/api/items/%E0%A4%A`, { method: 'DELETE', headers: { Authorization: 'Bearer t' } });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ error: 'invalid_request', error_description: 'malformed percent-encoding in the path' });
    expect(authorizerCalls).toBe(0);
    expect((await fetch(`${base}/api/me`, { headers: { Authorization: 'Bearer t' } })).status).toBe(200);
  });

  it('answers request targets that are not paths with JSON, and keeps serving', async () => {
    await start();
    const slashSlash = await rawRequest('GET //[ HTTP/1.1\r\nHost: x\r\n\r\n');
    expect(slashSlash.status).toBe(404);
    expect(JSON.parse(slashSlash.body)).toEqual({ error: 'not_found', error_description: 'no such route' });
    const bad = await rawRequest('GET nowhere HTTP/1.1\r\nHost: x\r\n\r\n');
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.body)).toMatchObject({ error: 'invalid_request' });
    const unparsable = await rawRequest('GET /a b c\r\n\r\n');
    expect(unparsable.status).toBe(400);
    expect(JSON.parse(unparsable.body)).toMatchObject({ error: 'invalid_request' });
    expect((await fetch(`${base}/api/me`, { headers: { Authorization: 'Bearer t' } })).status).toBe(200);
  });

  it('refuses a request with two Authorization headers, of any case, without calling the authorizer or caching', async () => {
    await start();
    const res = await rawRequest('GET /api/me HTTP/1.1\r\nHost: x\r\nauthorization: Bearer bob\r\nAuthorization: Bearer root\r\n\r\n');
    expect(res.status).toBe(400);
    expect(JSON.parse(res.body)).toEqual({ error: 'invalid_request', error_description: 'more than one Authorization header' });
    expect(authorizerCalls).toBe(0);
    const same = await rawRequest('GET /api/me HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer a\r\nAuthorization: Bearer a\r\n\r\n');
    expect(same.status).toBe(400);
  });

  it('answers every fuzzed request line, target and header set, and still serves the next request', async () => {
    await start();
    const tchar = fc.constantFrom(..."abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#$%&'*+-.^_`|~".split(''));
    const junk = fc.constantFrom(...' \t"(),/:;<=>?@[\\]{}\x00\x7f\u00e9%'.split(''));
    const token = fc.array(fc.oneof({ weight: 5, arbitrary: tchar }, { weight: 1, arbitrary: junk }), { minLength: 0, maxLength: 12 });
    const method = fc.oneof(
      fc.constantFrom('GET', 'POST', 'DELETE', 'OPTIONS', 'PUT', 'HEAD'),
      token.map((t) => t.join('')),
    );
    const pathChar = fc.constantFrom(...'/abcz09-._~%E0A4{}[]?#&=+ \\\u00e9\u0000'.split(''));
    const target = fc.oneof(
      fc.constantFrom(
        '/api/me',
        '/api/items/42',
        '/api/auth/login',
        '*',
        '//[',
        'http://x/api/me',
        'http://[::1',
        '/api/items/%',
        '/api/items/%E0%A4%A',
      ),
      fc.array(pathChar, { maxLength: 40 }).map((cs) => cs.join('')),
      fc.array(pathChar, { maxLength: 40 }).map((cs) => `/api/items/${cs.join('')}`),
    );
    const version = fc.constantFrom('HTTP/1.1', 'HTTP/1.0', 'HTTP/2.0', 'HTTP/1.1x', '', 'http/1.1');
    const framing = new Set(['content-length', 'transfer-encoding', 'connection', 'expect', 'upgrade']);
    const headerName = token.map((t) => t.join('')).filter((n) => !framing.has(n.toLowerCase()));
    const headerValue = fc.string({ maxLength: 30 }).map((v) => v.replace(/[\r\n]/g, ''));
    const header = fc.oneof(
      fc.tuple(headerName, headerValue).map(([n, v]) => `${n}: ${v}`),
      fc.constantFrom('Authorization: Bearer t', 'authorization: Bearer x', 'X-Forwarded-For: 1.2.3.4, ::1', 'NoColon', ': empty', 'Host:'),
    );
    const request = fc
      .record({ method, target, version, headers: fc.array(header, { maxLength: 6 }) })
      .map(
        ({ method: m, target: t, version: v, headers }) => `${m} ${t} ${v}\r\nHost: fuzz\r\n${headers.map((h) => `${h}\r\n`).join('')}\r\n`,
      );

    await fc.assert(
      fc.asyncProperty(request, async (raw) => {
        const res = await rawRequest(raw);
        expect(res.status).toBeGreaterThanOrEqual(200);
        expect(res.status).toBeLessThan(500);
        if (res.body !== '') expect(() => JSON.parse(res.body)).not.toThrow();
      }),
      { numRuns: 300, seed: 20261129 },
    );
    expect((await fetch(`${base}/api/me`, { headers: { Authorization: 'Bearer t' } })).status).toBe(200);
  });

  it('takes the source IP that the trusted proxies appended to X-Forwarded-For, never what the client wrote', () => {
    const req = (xff: string | string[] | undefined) => ({ headers: { 'x-forwarded-for': xff } });
    // The client wrote "203.0.113.51" (a victim's address); the one trusted proxy appended 198.51.100.66.
    expect(forwardedFor(req('203.0.113.51, 198.51.100.66'), 1)).toBe('198.51.100.66');
    expect(forwardedFor(req(['203.0.113.51', '10.0.0.1, 198.51.100.66']), 1)).toBe('198.51.100.66');
    // Two trusted proxies: the address the outer one saw is second from the right.
    expect(forwardedFor(req('203.0.113.51, 198.51.100.66, 10.0.0.7'), 2)).toBe('198.51.100.66');
    // Off, too short for the hops, or not an address: the socket's address is used instead.
    expect(forwardedFor(req('198.51.100.66'), 0)).toBeUndefined();
    expect(forwardedFor(req('198.51.100.66'), 2)).toBeUndefined();
    expect(forwardedFor(req('203.0.113.51, not-an-ip'), 1)).toBeUndefined();
    expect(forwardedFor(req(undefined), 1)).toBeUndefined();
  });

  it('gives a request the same source IP however the client rotates the left of X-Forwarded-For', async () => {
    await start({ trustedProxyHops: 1 });
    for (const left of ['10.0.0.1', '203.0.113.51', '192.0.2.77, 192.0.2.78']) {
      await fetch(`${base}/api/auth/login`, { method: 'POST', body: '{}', headers: { 'X-Forwarded-For': `${left}, 198.51.100.66` } });
    }
    expect(seen.map((e) => e.requestContext.identity.sourceIp)).toEqual(['198.51.100.66', '198.51.100.66', '198.51.100.66']);
  });
});

/** Sends raw bytes to the test server and reads the answer's status and body (the connection may close). */
function rawRequest(raw: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const port = Number(new URL(base).port);
    const socket = connect(port, '127.0.0.1');
    let data = '';
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no answer to ${JSON.stringify(raw)}`));
    }, 3000);
    const done = () => {
      const head = /^HTTP\/1\.[01] (\d{3})/.exec(data);
      const end = data.indexOf('\r\n\r\n');
      if (!head || end < 0) return false;
      // A HEAD answer announces a length but carries no body.
      const length = raw.startsWith('HEAD ') ? null : /\r\ncontent-length: *(\d+)/i.exec(data.slice(0, end));
      const body = data.slice(end + 4);
      if (length && Buffer.byteLength(body) < Number(length[1])) return false;
      clearTimeout(timer);
      socket.destroy();
      resolve({ status: Number(head[1]), body: length ? body.slice(0, Number(length[1])) : '' });
      return true;
    };
    socket.setEncoding('latin1');
    socket.on('data', (d: string) => {
      data += d;
      done();
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      if (!done()) {
        clearTimeout(timer);
        reject(new Error(`connection closed without an answer to ${JSON.stringify(raw)}: ${JSON.stringify(data)}`));
      }
    });
    socket.write(Buffer.from(raw, 'latin1'));
  });
}
