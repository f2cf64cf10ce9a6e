import { execFile, spawnSync } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { buildSync } from 'esbuild';
import { BUNDLE_SETTINGS } from '../../infra/bundling';
import { encodeRouteList } from '../../functions/lib/contract/route-list';
import type { PolicyRoute } from '../../functions/lib/contract/routes';
import { createAccessTokens } from '../../functions/lib/tokens/access-tokens';
import { CachedKeySource } from '../../functions/lib/tokens/cached-key-source';
import { toPublicJwks } from '../../functions/lib/tokens/key-source';
import { generateSecrets } from '../../functions/lib/tokens/secrets';
import { ENV } from '../../functions/lib/wiring/config';
import { lambdaEnv } from '../helpers/lambda-env';

const ROOT = resolve(__dirname, '../..');
const OUT = mkdtempSync(join(tmpdir(), 'auth-bundles-'));
const FUNCTIONS = [
  'login',
  'register',
  'refresh',
  'logout',
  'sessions',
  'password',
  'admin',
  'token',
  'mfa',
  'recovery',
  'mail-sender',
  'validate',
  'jwks',
  'me',
  'console',
  'authorizer',
  'key-setup',
  'rotate-keys',
] as const;

// What a deployed function has in its environment, minus AWS: no credentials, no extension.
const LAMBDA_ENV = {
  ...lambdaEnv(
    { secretId: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:auth', publicJwksParameter: '/auth/public-jwks' },
    'https://abc.execute-api.eu-west-1.amazonaws.com/prod',
  ),
  PARAMETERS_SECRETS_EXTENSION_HTTP_PORT: '1',
};

const sizes: string[] = [];

/** The source files that went into the last bundle, from esbuild's metafile. */
let lastInputs: string[] = [];

/** Builds a function as the stack does; `define` as the stack sets it (revocation check off). */
function build(name: string, define: Record<string, string> = {}): string {
  const outfile = join(OUT, `${name}${Object.keys(define).length ? '-variant' : ''}.js`);
  const result = buildSync({
    metafile: true,
    ...BUNDLE_SETTINGS,
    mainFields: [...BUNDLE_SETTINGS.mainFields],
    external: [...BUNDLE_SETTINGS.external],
    define: { ...BUNDLE_SETTINGS.define, ...define },
    entryPoints: [join(ROOT, 'functions', `${name}.ts`)],
    bundle: true,
    outfile,
    logLevel: 'silent',
  });
  // What is in the output, not merely read: esbuild drops code that a `define` makes dead.
  const output = Object.entries(result.metafile?.outputs ?? {}).find(([path]) => path.endsWith('.js'))?.[1];
  lastInputs = Object.entries(output?.inputs ?? {})
    .filter(([, i]) => i.bytesInOutput > 0)
    .map(([path]) => path);
  return outfile;
}
const REVOCATION_OFF = { 'process.env.AUTH_REVOCATION_CHECK': '"false"' };

/** Loads a bundle in a fresh node process and runs `script` against its exports. */
function load(file: string, script: string) {
  const code = `const t0=process.hrtime.bigint();const m=require(${JSON.stringify(file)});const loadMs=Number(process.hrtime.bigint()-t0)/1e6;(async()=>{${script}})().then((r)=>{process.stdout.write(JSON.stringify({loadMs,result:r??null}))},(e)=>{process.stdout.write(JSON.stringify({loadMs,error:String(e&&e.message)}));});`;
  const run = spawnSync(process.execPath, ['-e', code], { env: LAMBDA_ENV, encoding: 'utf8', timeout: 30_000 });
  expect(run.stderr).toBe('');
  expect(run.status).toBe(0);
  return JSON.parse(run.stdout) as { loadMs: number; result?: unknown; error?: string };
}

afterAll(() => {
  process.stdout.write(`\nproduction bundles (minified, esbuild, node22):\n${sizes.join('\n')}\n`);
});

describe('production bundles', () => {
  it.each(FUNCTIONS)('%s builds, and loads in a fresh process with no AWS access', (name) => {
    const file = build(name);
    const bytes = statSync(file).size;
    const { loadMs } = load(file, `return typeof m.handler`);
    sizes.push(`  ${name.padEnd(12)} ${(bytes / 1024).toFixed(1).padStart(7)} KB   load ${loadMs.toFixed(1)} ms`);
    expect(load(file, 'return typeof m.handler').result).toBe('function');
  });

  it('authorizer with the revocation check off: holds no AWS SDK, no jose and no Powertools, and answers a request with no token with Unauthorized', () => {
    const file = build('authorizer', REVOCATION_OFF);
    const packages = [
      ...new Set(lastInputs.filter((i) => i.includes('node_modules/')).map((i) => /node_modules\/((@[^/]+\/)?[^/]+)/.exec(i)?.[1])),
    ];
    expect(packages).toEqual([]);
    const text = readFileSync(file, 'utf8');
    sizes.push(
      `  ${'authorizer, revocation check off'.padEnd(12)} ${(statSync(file).size / 1024).toFixed(1).padStart(7)} KB   load ${load(file, 'return 1').loadMs.toFixed(1)} ms`,
    );
    for (const sdk of ['@aws-sdk', 'DynamoDBClient', 'SecretsManagerClient', 'smithy']) expect(text.includes(sdk)).toBe(false);
    const event = { type: 'REQUEST', methodArn: 'arn:aws:execute-api:eu-west-1:123456789012:abc/prod/GET/api/me', headers: {} };
    expect(load(file, `return m.handler(${JSON.stringify(event)})`).error).toBe('Unauthorized');
  });

  it('authorizer built for a region without the extension layer: the SSM client is in, and it loads', () => {
    const file = build('authorizer', { ...REVOCATION_OFF, 'process.env.AUTH_SECRETS_VIA': '"sdk"' });
    expect(lastInputs.some((i) => i.includes('@aws-sdk/client-ssm'))).toBe(true);
    const { loadMs, result } = load(file, 'return typeof m.handler');
    expect(result).toBe('function');
    sizes.push(
      `  ${'authorizer, SDK reads, revocation check off'.padEnd(12)} ${(statSync(file).size / 1024).toFixed(1).padStart(7)} KB   load ${loadMs.toFixed(1)} ms`,
    );
  });

  it('login: a secret store that cannot be reached gives a 500 JSON answer, not a crash', () => {
    const file = build('login');
    const event = {
      httpMethod: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: '{"username":"a","password":"b"}',
      requestContext: { requestId: 'r' },
    };
    const { result } = load(file, `const r=await m.handler(${JSON.stringify(event)});return [r.statusCode, JSON.parse(r.body)]`);
    expect(result).toEqual([500, { error: 'server_error', error_description: 'internal error' }]);
  });

  it('me: answers from the authorizer context alone', () => {
    const file = build('me');
    const event = {
      requestContext: { requestId: 'r', authorizer: { sub: 'u', username: 'alice', roles: 'user', sid: 's', exp: 4_000_000_000 } },
    };
    expect(load(file, `const r=await m.handler(${JSON.stringify(event)});return JSON.parse(r.body)`).result).toEqual({
      sub: 'u',
      username: 'alice',
      roles: ['user'],
    });
  });

  it("authorizer: reads its API's route list from the SSM parameter through the extension, and allows exactly those routes", async () => {
    // Prepare: keys, a token, and a stub of the Parameters and Secrets extension with the two parameters.
    const file = build('authorizer', REVOCATION_OFF);
    const secrets = await generateSecrets();
    const issuer = 'https://orders.example.com';
    const tokens = createAccessTokens({
      keys: new CachedKeySource({ load: async () => ({ jwks: secrets.signingKeys, signingKid: secrets.signingKid }), ttlMs: 60_000 }),
      issuer,
      audience: `${issuer}/api`,
      accessTokenTtlSeconds: 900,
      clockToleranceSeconds: 0,
      now: Date.now,
    });
    const { accessToken } = await tokens.issue({ sub: 'u1', username: 'alice', roles: ['orders:read'], sid: 's1' });
    const routes: PolicyRoute[] = [
      { method: 'GET', path: '/orders/{id}', access: { roles: ['orders:read'] } },
      { method: 'DELETE', path: '/orders/{id}', access: { roles: ['orders:admin'] } },
    ];
    const parameters: Record<string, string> = {
      '/auth/public-jwks': JSON.stringify(toPublicJwks(secrets.signingKeys)),
      '/auth/routes/orders': encodeRouteList(routes),
    };
    const asked: string[] = [];
    const server = createServer((req, res) => {
      const name = new URL(req.url ?? '', 'http://localhost').searchParams.get('name') ?? '';
      asked.push(name);
      const value = req.headers['x-aws-parameters-secrets-token'] === 'session' ? parameters[name] : undefined;
      res.writeHead(value === undefined ? 400 : 200, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify(value === undefined ? {} : { Parameter: { Name: name, Value: value } }));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const event = (method: string, resource: string) => ({
      type: 'REQUEST',
      methodArn: `arn:aws:execute-api:eu-west-1:123456789012:orders1/prod/${method}${resource.replace('{id}', '42')}`,
      httpMethod: method,
      resource,
      headers: { Authorization: `Bearer ${accessToken}` },
      requestContext: { requestId: 'r' },
    });
    const script = `const effect=async(e)=>{try{return (await m.handler(e)).policyDocument.Statement[0].Effect}catch(err){return err.message}};
      return [await effect(${JSON.stringify(event('GET', '/orders/{id}'))}), await effect(${JSON.stringify(event('DELETE', '/orders/{id}'))}),
        await effect(${JSON.stringify(event('GET', '/api/me'))})]`;
    const code = `const m=require(${JSON.stringify(file)});(async()=>{${script}})().then((r)=>process.stdout.write(JSON.stringify(r)),(e)=>process.stdout.write(String(e)))`;

    // Act: the production bundle, in a process of its own, as Lambda runs it.
    const stdout = await new Promise<string>((resolve, reject) =>
      execFile(
        process.execPath,
        ['-e', code],
        {
          env: {
            ...LAMBDA_ENV,
            [ENV.issuer]: issuer,
            [ENV.audience]: `${issuer}/api`,
            [ENV.routesParameter]: '/auth/routes/orders',
            PARAMETERS_SECRETS_EXTENSION_HTTP_PORT: String((server.address() as AddressInfo).port),
            AWS_SESSION_TOKEN: 'session',
          },
          timeout: 30_000,
        },
        (err, out) => (err ? reject(err) : resolve(out)),
      ),
    ).finally(() => server.close());

    // Assess: its own routes by role, and a route of another API (the service's /api/me) denied.
    expect(JSON.parse(stdout)).toEqual(['Allow', 'Deny', 'Deny']);
    expect(asked).toEqual(expect.arrayContaining(['/auth/routes/orders', '/auth/public-jwks']));
  });
});
