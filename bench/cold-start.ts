/** Target 2: cold starts. Each production bundle is loaded in fresh node processes. */
import { execFile } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { promisify } from 'node:util';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildBundle } from './bundle';
import { serializeSecrets, type AuthSecrets } from '../functions/lib/tokens/secrets';
import { ENV } from '../functions/lib/wiring/config';
import { lambdaEnv } from '../test/helpers/lambda-env';
import { authorizerEvent, AUDIENCE, ISSUER, mintTokens } from './authorizer';
import { median, ms, size, table } from './lib';

const execFileAsync = promisify(execFile);
const OUT = mkdtempSync(join(tmpdir(), 'auth-cold-'));

/** The child's script: require the bundle, run `then`, print the milliseconds. */
const coldScript = (file: string, then: string) =>
  `const t0=process.hrtime.bigint();const m=require(${JSON.stringify(file)});(async()=>{${then}})().then(()=>process.stdout.write(String(Number(process.hrtime.bigint()-t0)/1e6)),(e)=>{process.stdout.write('ERR '+e.message)})`;

/**
 * A DynamoDB stand-in on loopback that answers the revocation check's BatchGetItem: the user
 * and session of `mintTokens`' first token, active. So a cold start can include the first read.
 */
async function revocationStub(): Promise<{ endpoint: string; close(): void }> {
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      const asked = (JSON.parse(body) as { RequestItems: Record<string, { Keys: Record<string, unknown>[] }> }).RequestItems;
      const responses = Object.fromEntries(
        Object.entries(asked).map(([table, { Keys }]) => [
          table,
          'sid' in (Keys[0] ?? {})
            ? [{ userId: { S: 'user-0' }, status: { S: 'active' } }]
            : [{ userId: { S: 'user-0' }, status: { S: 'active' }, roles: { L: [{ S: 'user' }] } }],
        ]),
      );
      res.writeHead(200, { 'Content-Type': 'application/x-amz-json-1.0' }).end(JSON.stringify({ Responses: responses }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => server.close() };
}

/**
 * Median over `runs` fresh processes of: require the bundle, then run `then` (ms). Spawned
 * asynchronously, so this process stays free to answer the child (the revocation stub runs here).
 */
async function coldMs(file: string, env: Record<string, string>, then: string, runs = size(9, 2)): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const { stdout } = await execFileAsync(process.execPath, ['-e', coldScript(file, then)], { env });
    if (stdout.startsWith('ERR')) throw new Error(`cold start of ${file} failed: ${stdout}`);
    times.push(Number(stdout));
  }
  return median(times);
}

export async function benchColdStart(secrets: AuthSecrets): Promise<void> {
  const secretsFile = join(OUT, 'secrets.json');
  writeFileSync(secretsFile, serializeSecrets(secrets), { mode: 0o600 });
  const env = { ...lambdaEnv({ secretsFile }, ISSUER), [ENV.audience]: AUDIENCE };
  const [token] = await mintTokens(secrets, 1);
  const firstVerify = `const r=await m.handler(${JSON.stringify(authorizerEvent(token as string))});if(!r.principalId)throw new Error('no policy')`;

  const off = buildBundle('functions/authorizer.ts', 'authorizer-off', { 'process.env.AUTH_REVOCATION_CHECK': '"false"' });
  const on = buildBundle('functions/authorizer.ts', 'authorizer-on');
  // Built for a region without the extension's layer: the SSM and Secrets Manager clients come in.
  const sdk = buildBundle('functions/authorizer.ts', 'authorizer-sdk', {
    'process.env.AUTH_REVOCATION_CHECK': '"false"',
    'process.env.AUTH_SECRETS_VIA': '"sdk"',
  });
  const login = buildBundle('functions/login.ts', 'login');
  const refresh = buildBundle('functions/refresh.ts', 'refresh');
  const baseline = buildBundle('bench/fixtures/ddb-client-only.ts', 'ddb-only');

  // With the check on, the first call also reads DynamoDB; measure load plus verify without it.
  const offMs = await coldMs(off.file, env, firstVerify);
  const onLoadMs = await coldMs(on.file, { ...env, AUTH_REVOCATION_CHECK: 'false' }, firstVerify);
  // And with the first revocation read too, signed, against a loopback stand-in for DynamoDB.
  const stub = await revocationStub();
  const onReadMs = await coldMs(
    on.file,
    { ...env, [ENV.dynamodbEndpoint]: stub.endpoint, AWS_ACCESS_KEY_ID: 'bench', AWS_SECRET_ACCESS_KEY: 'bench', AWS_REGION: 'local' },
    firstVerify,
  ).finally(() => stub.close());
  // The keys still come from the local file here: this is the cost of loading the SDK.
  const sdkMs = await coldMs(sdk.file, env, firstVerify);
  const baseMs = await coldMs(baseline.file, env, '');
  const loginMs = await coldMs(login.file, env, '');
  const refreshMs = await coldMs(refresh.file, env, '');
  // A lever: the CommonJS builds of the SDK and jose instead of their ESM builds.
  const loginCjs = buildBundle('functions/login.ts', 'login-cjs', {}, ['main']);
  const loginCjsMs = await coldMs(loginCjs.file, env, '');

  table(
    '2. Cold start (fresh node process: load the production bundle, then the first call)',
    [
      { what: 'authorizer bundle, revocation check off', measured: `${off.kb.toFixed(1)} KB`, target: '<= 25 KB', met: off.kb <= 25 },
      { what: 'authorizer: load + first verify, check off', measured: ms(offMs), target: '<= 10 ms', met: offMs <= 10 },
      { what: 'authorizer bundle, revocation check on', measured: `${on.kb.toFixed(1)} KB`, target: '<= 60 KB', met: on.kb <= 60 },
      {
        what: 'authorizer: load + first verify, check on',
        measured: ms(onLoadMs),
        reference: `check off ${ms(offMs)}`,
        ratio: onLoadMs / offMs,
        target: '<= 12 ms',
        met: onLoadMs <= 12,
      },
      {
        what: 'authorizer: load + first verify + first revocation read (loopback)',
        measured: ms(onReadMs),
        reference: `check off ${ms(offMs)}`,
        ratio: onReadMs / offMs,
      },
      {
        what: 'authorizer, no extension layer (SDK reads), check off: load + first verify',
        measured: `${ms(sdkMs)} (${sdk.kb.toFixed(0)} KB)`,
        reference: `extension ${ms(offMs)}`,
        ratio: sdkMs / offMs,
      },
      {
        what: 'login: load',
        measured: `${ms(loginMs)} (${login.kb.toFixed(0)} KB)`,
        reference: `DDB client only ${ms(baseMs)} (${baseline.kb.toFixed(0)} KB)`,
        ratio: loginMs / baseMs,
        target: '<= x1.15',
        met: loginMs / baseMs <= 1.15,
      },
      {
        what: 'refresh: load',
        measured: `${ms(refreshMs)} (${refresh.kb.toFixed(0)} KB)`,
        reference: `DDB client only ${ms(baseMs)}`,
        ratio: refreshMs / baseMs,
        target: '<= x1.15',
        met: refreshMs / baseMs <= 1.15,
      },
      {
        what: 'lever: login with CommonJS builds (mainFields main)',
        measured: `${ms(loginCjsMs)} (${loginCjs.kb.toFixed(0)} KB)`,
        reference: `ESM builds ${ms(loginMs)}`,
        ratio: loginCjsMs / loginMs,
      },
    ],
    [
      'Each figure is the median of 9 fresh processes; the first verify reads the public keys from a local file (the Lambda extension on AWS).',
    ],
  );
}
