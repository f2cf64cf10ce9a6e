/**
 * What the revocation check costs the authorizer: warm latency per call with the check off, on
 * with its cache missing (one BatchGetItem to DynamoDB Local), and on with its cache hit;
 * measured side by side in one run. Run: npm run bench
 */
import '../local/quiet-sdk';
import { createHandler } from '../functions/authorizer';
import { createCoreDeps } from '../functions/lib/core-deps';
import { createUser } from '../functions/lib/core/users';
import { login } from '../functions/lib/core/login';
import { createDocumentClient } from '../functions/lib/dynamo';
import { JwkSetKeySource, toPublicJwks } from '../functions/lib/keys';
import { createRevocationChecker } from '../functions/lib/revocation';
import { dynamoRevocationReader } from '../functions/lib/revocation-store';
import { generateSecrets } from '../functions/lib/secrets';
import { createVerifyDeps } from '../functions/lib/verify-deps';
import { DEFAULTS } from '../functions/lib/config';
import { startDynamoDbLocal } from '../local/dynamodb-local';
import { LOCAL_TABLES } from '../local/local-tables';
import { ensureTables } from '../local/tables';

const silent = { info: () => undefined, warn: () => undefined, error: () => undefined } as never;

async function p50(fn: () => Promise<unknown>, n: number): Promise<number> {
  for (let i = 0; i < 50; i++) await fn();
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = process.hrtime.bigint();
    await fn();
    times.push(Number(process.hrtime.bigint() - t0) / 1e3);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(n / 2)] as number;
}

async function main() {
  const ddb = await startDynamoDbLocal();
  try {
    const client = createDocumentClient({ endpoint: ddb.endpoint, region: 'local' });
    await ensureTables(client, LOCAL_TABLES);
    const secrets = await generateSecrets();
    const config = { ...DEFAULTS, ...LOCAL_TABLES, issuer: 'https://auth.example', audience: 'https://api.example', bcryptCost: 10, extraRoutes: [] };
    const core = createCoreDeps(config, secrets, client, { logger: silent });
    await createUser({ username: 'bench', password: 'a long bench password' }, { requestId: 'b' }, core);
    const { access_token } = await login({ username: 'bench', password: 'a long bench password' }, { requestId: 'b', sourceIp: '127.0.0.1' }, core);
    const event = {
      type: 'REQUEST',
      methodArn: 'arn:aws:execute-api:us-east-1:123456789012:abc/prod/GET/api/me',
      resource: '/api/me',
      httpMethod: 'GET',
      headers: { Authorization: `Bearer ${access_token}` },
    } as never;
    const keys = new JwkSetKeySource({ jwks: toPublicJwks(secrets.signingKeys) });
    const reader = dynamoRevocationReader({ client, usersTable: LOCAL_TABLES.usersTable, sessionsTable: LOCAL_TABLES.sessionsTable });
    const variant = (cacheSeconds?: number) =>
      createHandler(createVerifyDeps(config, keys, { logger: silent, ...(cacheSeconds !== undefined && { revocation: createRevocationChecker({ read: reader, cacheSeconds, now: Date.now }) }) }));
    const off = variant();
    const miss = variant(0);
    const hit = variant(30);
    const n = 1000;
    // Interleaved rounds, best p50 of each: no variant gets the warm JIT for free.
    const results = { off: Infinity, hit: Infinity, miss: Infinity };
    for (let round = 0; round < 3; round++) {
      results.off = Math.min(results.off, await p50(() => off(event), n));
      results.hit = Math.min(results.hit, await p50(() => hit(event), n));
      results.miss = Math.min(results.miss, await p50(() => miss(event), n));
    }
    console.log('\nauthorizer, warm, p50 per call (µs), DynamoDB Local on loopback');
    console.log(`  revocation check off          ${results.off.toFixed(0).padStart(6)}`);
    console.log(`  on, in-function cache hit     ${results.hit.toFixed(0).padStart(6)}   x${(results.hit / results.off).toFixed(2)}`);
    console.log(`  on, cache miss (BatchGetItem) ${results.miss.toFixed(0).padStart(6)}   x${(results.miss / results.off).toFixed(2)}`);
    client.destroy();
  } finally {
    await ddb.stop();
  }
}

void main();
