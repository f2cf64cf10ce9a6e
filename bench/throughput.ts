/** Target 4: throughput of the local runtime under autocannon, against a bare node:http verifier. */
import { createPublicKey, verify as cryptoVerify } from 'node:crypto';
import { createServer } from 'node:http';
import autocannon from 'autocannon';
import type { toPublicJwks } from '../functions/lib/tokens/key-source';
import { DEFAULTS } from '../functions/lib/wiring/config';
import { call } from '../test/helpers/local-runtime';
import { runtimeBesideBench } from './runtime';
import { size, table } from './lib';

type Result = { rps: number; p50: number; p99: number; non2xx: number };

async function load(opts: autocannon.Options): Promise<Result> {
  const r = await autocannon({ ...opts });
  return { rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, non2xx: r.non2xx };
}
const fmt = (r: Result) => `${r.rps.toFixed(0)} req/s`;
const lat = (r: Result) => `p50 ${r.p50} ms, p99 ${r.p99} ms`;

export async function benchThroughput(): Promise<void> {
  // The deployed cost, not the tests' cheaper one: login is measured against bcrypt at this cost.
  const { rt, stop } = await runtimeBesideBench({ AUTH_BCRYPT_COST: String(DEFAULTS.bcryptCost) });
  try {
    const password = 'a benchmark passphrase';
    await call(rt.baseUrl, 'POST', '/api/auth/register', { body: { username: 'load', password } });
    const pair = (await call(rt.baseUrl, 'POST', '/api/auth/login', { body: { username: 'load', password } })).body as {
      access_token: string;
      refresh_token: string;
    };
    const jwks = (await call(rt.baseUrl, 'GET', '/.well-known/jwks.json')).body as unknown as Parameters<typeof toPublicJwks>[0];
    const auth = { Authorization: `Bearer ${pair.access_token}` };

    // The reference: a bare node:http server that does only the signature check of the same token.
    const key = createPublicKey({ key: jwks.keys[0] as never, format: 'jwk' });
    const bare = createServer((req, res) => {
      const token = String(req.headers.authorization).slice(7);
      const dot = token.lastIndexOf('.');
      const ok = cryptoVerify('sha256', Buffer.from(token.slice(0, dot)), key, Buffer.from(token.slice(dot + 1), 'base64url'));
      res.writeHead(ok ? 200 : 401, { 'Content-Type': 'application/json' }).end(ok ? '{"active":true}' : '{"active":false}');
    });
    await new Promise<void>((r) => bare.listen(0, '127.0.0.1', r));
    const barePort = (bare.address() as { port: number }).port;

    const seconds = size(5, 1);
    const validate = await load({ url: `${rt.baseUrl}/api/auth/validate`, connections: 10, duration: seconds, headers: auth });
    const reference = await load({ url: `http://127.0.0.1:${barePort}/`, connections: 10, duration: seconds, headers: auth });
    const me = await load({ url: `${rt.baseUrl}/api/me`, connections: 10, duration: seconds, headers: auth });
    bare.close();

    table(
      '4. Throughput (autocannon against npm start, in memory; 2 cores shared with the load generator)',
      [
        {
          what: 'GET /api/auth/validate, 10 connections',
          measured: fmt(validate),
          reference: `bare verify ${fmt(reference)}`,
          ratio: validate.rps / reference.rps,
        },
        { what: '  latency', measured: lat(validate), reference: lat(reference) },
        { what: 'GET /api/me (authorizer + handler), 10 conn.', measured: fmt(me), reference: lat(me) },
      ],
      [
        `non-2xx answers: validate ${validate.non2xx}, me ${me.non2xx}`,
        'validate verifies every request (synchronous verifier) and checks revocation (cached 30 s); /api/me runs under the 300 s authorizer cache. Refresh and login under load: section 8, beside the peer.',
      ],
    );
  } finally {
    await stop();
  }
}
