import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';

const USAGE = `Usage: npm run smoke -- <ApiUrl> [--username NAME]

Runs the walk-through's checks against a deployed stack or \`npm start\`: JWKS, login (or
registration of a fresh user), /api/me, the 403 on an admin route, refresh, and logout
(after which the old refresh token is refused). With --username, the password is read from
the SMOKE_PASSWORD environment variable (never from the command line); without it, a fresh
user is registered, which needs self-registration on.
`;

/** A check failed: the message says which and what came back. */
class SmokeError extends Error {}

interface Answer {
  readonly status: number;
  readonly body: Record<string, unknown>;
  readonly headers: Headers;
}

/** Runs every check in order against `baseUrl`; returns one line per passed check. */
export async function smoke(baseUrl: string, account?: { username: string; password: string }): Promise<string[]> {
  const base = baseUrl.replace(/\/+$/, '');
  const lines: string[] = [];
  const call = async (method: string, path: string, init: { token?: string; body?: unknown; cookie?: string } = {}) => {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: {
        ...(init.body !== undefined && { 'Content-Type': 'application/json' }),
        ...(init.token && { Authorization: `Bearer ${init.token}` }),
        // A cookie-mode refresh or logout needs a CSRF signal (README, "Browser apps").
        ...(init.cookie && { Cookie: init.cookie, 'X-Requested-With': 'smoke' }),
      },
      ...(init.body !== undefined && { body: JSON.stringify(init.body) }),
    });
    const text = await res.text();
    let body: Record<string, unknown> = {};
    try {
      body = text ? (JSON.parse(text) as Record<string, unknown>) : {};
    } catch {
      throw new SmokeError(`${method} ${path}: ${res.status} with a body that is not JSON`);
    }
    return { status: res.status, body, headers: res.headers } satisfies Answer;
  };
  const expectStatus = (what: string, answer: Answer, status: number) => {
    if (answer.status !== status) {
      const detail = typeof answer.body.error === 'string' ? ` (${answer.body.error}: ${answer.body.error_description})` : '';
      throw new SmokeError(`${what}: expected ${status}, got ${answer.status}${detail}`);
    }
  };

  const jwks = await call('GET', '/.well-known/jwks.json');
  expectStatus('JWKS', jwks, 200);
  const keys = Array.isArray(jwks.body.keys) ? (jwks.body.keys as Record<string, unknown>[]) : [];
  if (keys.length === 0) throw new SmokeError('JWKS: no keys');
  if (keys.some((k) => 'd' in k)) throw new SmokeError('JWKS: a key carries private material');
  lines.push(`ok  JWKS: ${keys.length} public key(s)`);

  let who = account;
  if (!who) {
    who = { username: `smoke-${randomBytes(4).toString('hex')}`, password: randomBytes(18).toString('base64url') };
    expectStatus('register', await call('POST', '/api/auth/register', { body: who }), 201);
    lines.push(`ok  register: ${who.username}`);
  }
  const login = await call('POST', '/api/auth/login', { body: who });
  expectStatus('login', login, 200);
  const session = tokensOf('login', login);
  lines.push(`ok  login: ${who.username}, refresh token in the ${session.cookie ? 'cookie' : 'body'}`);

  const me = await call('GET', '/api/me', { token: session.access });
  expectStatus('/api/me', me, 200);
  if (me.body.username !== who.username) throw new SmokeError(`/api/me: answered for ${String(me.body.username)}`);
  lines.push(`ok  /api/me: ${who.username}, roles [${String(me.body.roles)}]`);

  const isAdmin = Array.isArray(me.body.roles) && me.body.roles.includes('admin');
  expectStatus('/api/admin/ping', await call('GET', '/api/admin/ping', { token: session.access }), isAdmin ? 200 : 403);
  lines.push(`ok  /api/admin/ping: ${isAdmin ? '200 for an admin' : '403 without the admin role'}`);

  const refresh = await call('POST', '/api/auth/refresh', refreshRequest(session));
  expectStatus('refresh', refresh, 200);
  const renewed = tokensOf('refresh', refresh);
  lines.push('ok  refresh: a new token pair');

  expectStatus('logout', await call('POST', '/api/auth/logout', refreshRequest(renewed)), 204);
  expectStatus('refresh after logout', await call('POST', '/api/auth/refresh', refreshRequest(renewed)), 401);
  lines.push('ok  logout: the refresh token is refused afterwards');
  return lines;
}

/** The access token, and the refresh token from the body or from the cookie (cookie mode). */
function tokensOf(what: string, answer: Answer): { access: string; refresh?: string; cookie?: string } {
  const access = answer.body.access_token;
  if (typeof access !== 'string') throw new SmokeError(`${what}: no access_token`);
  if (typeof answer.body.refresh_token === 'string') return { access, refresh: answer.body.refresh_token };
  const cookie = answer.headers
    .getSetCookie()
    .map((c) => c.split(';')[0] as string)
    .find((c) => c.startsWith('__Secure-auth-refresh='));
  if (!cookie) throw new SmokeError(`${what}: no refresh token, in the body or a cookie`);
  return { access, cookie };
}

const refreshRequest = (s: { refresh?: string; cookie?: string }) =>
  s.cookie ? { cookie: s.cookie } : { body: { refresh_token: s.refresh } };

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({ allowPositionals: true, options: { username: { type: 'string' } } });
  const [url] = positionals;
  if (!url || positionals.length > 1) {
    process.stderr.write(USAGE);
    return 2;
  }
  const password = process.env.SMOKE_PASSWORD;
  if (values.username && !password) {
    process.stderr.write('error: --username needs the password in SMOKE_PASSWORD\n');
    return 2;
  }
  try {
    for (const line of await smoke(url, values.username ? { username: values.username, password: password as string } : undefined))
      process.stdout.write(`${line}\n`);
    process.stdout.write('smoke test passed\n');
    return 0;
  } catch (err) {
    const known = err instanceof SmokeError;
    process.stderr.write(`FAIL ${known ? err.message : `could not reach ${url}: ${(err as Error).message}`}\n`);
    return 1;
  }
}

if (require.main === module) void main().then((code) => process.exit(code));
