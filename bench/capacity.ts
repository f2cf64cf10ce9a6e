/**
 * DynamoDB capacity units per operation, as DynamoDB Local reports them (ReturnConsumedCapacity
 * on every call), and the DynamoDB cost per million operations they make at on-demand prices.
 * The README's and BENCHMARKS.md's cost figures come from this table, and a test holds them to it.
 */
import { createCoreDeps } from '../functions/lib/wiring/core';
import { login } from '../functions/lib/flows/login';
import { ACTIVITY_HOURS, ACTIVITY_SHARDS } from '../functions/lib/domain/activity';
import { activityForAdmin } from '../functions/lib/flows/admin';
import { logout } from '../functions/lib/flows/logout';
import { refresh } from '../functions/lib/flows/refresh';
import { createUser } from '../functions/lib/flows/users';
import { dynamoRevocationReader } from '../functions/lib/stores/revocation-reader';
import { createDynamoHttp, type DynamoHttpOptions } from '../functions/lib/stores/dynamodb-http';
import { createSignedDocumentClient, type DocumentSender } from '../functions/lib/stores/signed-document-client';
import { roleCredentials } from '../functions/lib/wiring/role-credentials';
import { createDocumentClient } from '../functions/lib/wiring/dynamo-client';
import type { AuthSecrets } from '../functions/lib/tokens/secrets';
import { benchDynamoDb } from './runtime';
import { LOCAL_TABLES, ensureTables } from '../local/dynamodb-tables';
import { silent } from './authorizer';
import { benchConfig, size, table } from './lib';
import { costChart } from './charts';
import {
  billedMs,
  COGNITO,
  dollars,
  dynamoDollars,
  type Endpoint,
  monthlyCost,
  PRICE_PER_MILLION,
  PRICES,
  perMillion,
  type Timing,
  type Units,
  USAGE_PER_MAU,
} from './cost';
import { clientCredentials } from '../functions/lib/flows/client-credentials';
import { cachedClientReader } from '../functions/lib/flows/client-cache';
import { registerClient } from '../functions/lib/flows/clients';
import type { CoreDeps } from '../functions/lib/flows/deps';
import { DEFAULTS } from '../functions/lib/wiring/config';

/**
 * The functions' store client (`createStoreClient`: signed POSTs) with `ReturnConsumedCapacity`
 * on every call, counting the read and write units each one reports. DynamoDB Local reports a
 * call's total only: the operation says whether they are reads or writes.
 */
export function meteredStoreClient(http: Pick<DynamoHttpOptions, 'endpoint' | 'credentials'>): {
  client: DocumentSender;
  /** The units counted since the last take. */
  take(): Units;
  /** For another client's calls on the same meter (the revocation check's). */
  count(units: number, operation: string): void;
} {
  let units: Units = { read: 0, write: 0 };
  const count = (n: number, operation: string) => {
    units[/^(Get|BatchGet|Query|Scan|TransactGet)/.test(operation) ? 'read' : 'write'] += n;
  };
  return {
    client: createSignedDocumentClient(createDynamoHttp({ ...http, region: 'local', consumedCapacity: count })),
    count,
    take() {
      const taken = units;
      units = { read: 0, write: 0 };
      return taken;
    },
  };
}

/** The operations whose units are measured, with how the tables name them. */
export const CAPACITY_OPERATIONS = {
  login: 'login',
  refresh: 'refresh',
  revocationCheck: 'revocation check (validate, authorizer on a cache miss)',
  logout: 'logout',
  machineToken: 'machine token (client credentials)',
  dashboard: 'admin dashboard (24 hours of counts)',
} as const;

/** The operations whose durations are measured and priced: the ones a user or a service makes. */
type PricedOperation = Exclude<keyof typeof CAPACITY_OPERATIONS, 'dashboard'>;

/**
 * Runs each operation against the tables `client` reaches and returns the units it consumed:
 * the steady state (a user who logged in from this source before). The README's and
 * BENCHMARKS.md's figures are checked against this (test/integration/capacity.test.ts).
 */
export async function measureCapacity(
  tables: { readonly [K in keyof typeof LOCAL_TABLES]: string },
  secrets: AuthSecrets,
  /** Where DynamoDB is. @default the environment's (DynamoDB Local in the tests) */
  http: Pick<DynamoHttpOptions, 'endpoint' | 'credentials'> = {
    endpoint: process.env.TEST_DYNAMODB_ENDPOINT,
    credentials: roleCredentials,
  },
): Promise<Record<keyof typeof CAPACITY_OPERATIONS, Units>> {
  const units = meteredStoreClient(http);
  const { client } = units;
  const config = benchConfig(tables);
  // A clock that moves between the operations, as a real client's do: a refresh minutes after
  // the login changes `lastUsedAt`, which the sessions-by-user index projects (one more write).
  let nowMs = Date.now();
  const later = () => {
    nowMs += 60_000;
  };
  const core = createCoreDeps(config, secrets, client, { logger: silent, now: () => nowMs });
  const meta = { requestId: 'c', sourceIp: '198.51.100.7' };
  const password = 'a capacity passphrase';
  await createUser({ username: 'capacity', password }, meta, core);
  const db = createDynamoHttp({ ...http, region: 'local', consumedCapacity: units.count });
  const revocation = dynamoRevocationReader({ db, usersTable: tables.usersTable, sessionsTable: tables.sessionsTable });
  // The second login from this source: the steady state (the trusted-source marker exists).
  await login({ username: 'capacity', password }, meta, core);
  units.take();
  later();
  const pair = await login({ username: 'capacity', password }, meta, core);
  const loginUnits = units.take();
  later();
  const renewed = await refresh(pair.refresh_token, meta, core);
  const refreshUnits = units.take();
  const sid = (JSON.parse(Buffer.from(renewed.access_token.split('.')[1] as string, 'base64url').toString()) as { sid: string }).sid;
  await revocation('capacity', sid);
  const revocationUnits = units.take();
  later();
  await logout(renewed.refresh_token, meta, core);
  const logoutUnits = units.take();
  // A machine token in the steady state: the client record cached, as the token function keeps it.
  const ask = await machineClient(core, config.audience);
  await ask(); // the source is trusted from now on
  units.take();
  await ask();
  const machineTokenUnits = units.take();
  // An admin's dashboard: every counter item of the window, one BatchGetItem.
  await activityForAdmin(core);
  return {
    login: loginUnits,
    refresh: refreshUnits,
    revocationCheck: revocationUnits,
    logout: logoutUnits,
    machineToken: machineTokenUnits,
    dashboard: units.take(),
  };
}

/** Registers a machine client and returns a call of the token flow for it, as the token function runs it. */
async function machineClient(base: CoreDeps, audience: string): Promise<() => Promise<unknown>> {
  const core = { ...base, authClients: cachedClientReader(base.clients, { now: Date.now }) };
  const { client, clientSecret } = await registerClient(
    { name: 'capacity', scopes: ['ping'], audiences: [audience] },
    { requestId: 'c' },
    core,
  );
  return () =>
    clientCredentials(
      { clientId: client.clientId, clientSecret, method: 'client_secret_basic' },
      { requestId: 'c', sourceIp: '127.0.0.1' },
      core,
    );
}

async function timed(calls: number, fn: () => Promise<unknown>, warmCalls = Math.ceil(calls / 3)): Promise<Timing> {
  for (let i = 0; i < warmCalls; i++) await fn(); // so the JIT has compiled what is measured
  const cpu = process.cpuUsage();
  const t0 = performance.now();
  for (let i = 0; i < calls; i++) await fn();
  const wallMs = (performance.now() - t0) / calls;
  const used = process.cpuUsage(cpu);
  return { cpuMs: (used.user + used.system) / 1000 / calls, wallMs };
}

/**
 * The Node CPU and wall time of each priced operation, run as the functions run them against
 * in-memory DynamoDB Local, with bcrypt at the deployed cost: what the cost model turns into
 * Lambda's billed durations.
 */
export async function measureDurations(
  tables: { readonly [K in keyof typeof LOCAL_TABLES]: string },
  secrets: AuthSecrets,
  http: Pick<DynamoHttpOptions, 'endpoint' | 'credentials'>,
): Promise<Record<PricedOperation, Timing>> {
  const client = createSignedDocumentClient(createDynamoHttp({ ...http, region: 'local' }));
  const config = { ...benchConfig(tables), bcryptCost: DEFAULTS.bcryptCost };
  const core = createCoreDeps(config, secrets, client, { logger: silent });
  const meta = { requestId: 'd', sourceIp: '198.51.100.8' };
  const password = 'a duration passphrase';
  await createUser({ username: 'duration', password }, meta, core);
  const signIn = () => login({ username: 'duration', password }, meta, core);
  let token = (await signIn()).refresh_token;
  const sid = (JSON.parse(Buffer.from((await signIn()).access_token.split('.')[1] as string, 'base64url').toString()) as { sid: string })
    .sid;
  const revocation = dynamoRevocationReader({
    db: createDynamoHttp({ ...http, region: 'local' }),
    usersTable: tables.usersTable,
    sessionsTable: tables.sessionsTable,
  });
  const ask = await machineClient(core, config.audience);
  const n = size(1000, 20);
  return {
    login: await timed(size(8, 1), signIn, 1),
    refresh: await timed(n, async () => {
      token = (await refresh(token, meta, core)).refresh_token;
    }),
    revocationCheck: await timed(n, () => revocation('duration', sid)),
    logout: await (async () => {
      // Sessions to end, made first: the sign-ins' bcrypt is not logout's.
      const calls = size(20, 2);
      const tokens = await Promise.all(Array.from({ length: 2 * calls }, async () => (await signIn()).refresh_token));
      return timed(calls, async () => logout(tokens.pop() as string, meta, core), calls);
    })(),
    machineToken: await timed(n, ask),
  };
}

export async function benchCapacity(secrets: AuthSecrets): Promise<void> {
  const ddb = await benchDynamoDb();
  try {
    const client = createDocumentClient({ endpoint: ddb.endpoint, region: 'local', credentials: ddb.credentials });
    await ensureTables(client, LOCAL_TABLES);
    const http = { endpoint: ddb.endpoint, credentials: ddb.credentials };
    const measured = await measureCapacity(LOCAL_TABLES, secrets, http);
    const durations = await measureDurations(LOCAL_TABLES, secrets, http);
    table(
      '6. DynamoDB capacity units per operation (DynamoDB Local, ReturnConsumedCapacity)',
      Object.entries(measured).map(([op, u]) => ({
        what: CAPACITY_OPERATIONS[op as keyof typeof CAPACITY_OPERATIONS],
        measured: `${u.read} RRU + ${u.write} WRU`,
        reference: `$${dynamoDollars(u)} per million`,
      })),
      [
        `on-demand prices: $${PRICE_PER_MILLION.read} per million read units, $${PRICE_PER_MILLION.write} per million write units (us-east-1)`,
        `the dashboard: DynamoDB Local reports the counter items it found; DynamoDB prices each of the ${ACTIVITY_HOURS * ACTIVITY_SHARDS} keys, at most ${(ACTIVITY_HOURS * ACTIVITY_SHARDS) / 2} RRU a load`,
      ],
    );
    costTables(measured, durations);
  } finally {
    await ddb.stop();
  }
}

/** The functions' memory, from the stack: bcrypt's functions get a full vCPU. */
const MEMORY_MB = { login: 1769, refresh: 512, authorizer: 512, machineToken: 512, logout: 512 } as const;

/** Prints the cost model computed from this run's units and timings, and draws cost against MAU. */
function costTables(units: Record<keyof typeof CAPACITY_OPERATIONS, Units>, durations: Record<PricedOperation, Timing>) {
  const endpoint = (op: PricedOperation, memoryMb: number, apiRequest = true): Endpoint => ({
    memoryMb,
    billedMs: billedMs(durations[op], memoryMb),
    units: units[op],
    apiRequest,
  });
  const endpoints = {
    login: endpoint('login', MEMORY_MB.login),
    refresh: endpoint('refresh', MEMORY_MB.refresh),
    // Each invocation checks revocation (the worst case: its 30 s cache misses), inside your route's request.
    authorizer: endpoint('revocationCheck', MEMORY_MB.authorizer, false),
    machineToken: endpoint('machineToken', MEMORY_MB.machineToken),
    logout: endpoint('logout', MEMORY_MB.logout),
  };
  const timing = (t: Timing) => `CPU ${t.cpuMs.toFixed(2)} ms, wall ${t.wallMs.toFixed(2)} ms`;
  const timingOf = {
    login: durations.login,
    refresh: durations.refresh,
    authorizer: durations.revocationCheck,
    machineToken: durations.machineToken,
    logout: durations.logout,
  };
  table(
    '6b. Cost per million operations (measured units and durations, list prices)',
    (Object.keys(endpoints) as (keyof typeof endpoints)[]).map((op) => {
      const e = endpoints[op];
      const c = perMillion(e);
      return {
        what: `${op}: ${e.memoryMb} MB x ${e.billedMs} ms billed`,
        measured: dollars(c.total),
        reference: `Lambda ${dollars(c.lambda)}, DynamoDB ${dollars(c.dynamodb)}${e.apiRequest ? `, API+WAF ${dollars(c.api)}` : ''}`,
      };
    }),
    [
      ...(Object.keys(timingOf) as (keyof typeof timingOf)[]).map((op) => `${op}: ${timing(timingOf[op])} per call here`),
      'Billed duration: the wait (wall minus CPU) plus the CPU, stretched by 1769/memory below one vCPU, rounded up to the ms.',
    ],
  );
  const mauPoints = [10_000, 100_000, 1_000_000];
  const perMauRow = (mau: number) => {
    const ours = monthlyCost(mau, endpoints);
    return {
      what: `${mau.toLocaleString('en-US')} MAU, a month`,
      measured: dollars(ours),
      reference: `Cognito Essentials ${dollars(COGNITO.essentials(mau))}, Lite ${dollars(COGNITO.lite(mau))}, Plus ${dollars(COGNITO.plus(mau))}`,
    };
  };
  const m2m = perMillion(endpoints.machineToken).total;
  table(
    '6c. This service against Amazon Cognito',
    [
      ...mauPoints.map(perMauRow),
      {
        what: 'a million machine tokens',
        measured: dollars(m2m),
        reference: `Cognito M2M ${dollars(COGNITO.m2mPerMillionTokens)} (x${Math.round(COGNITO.m2mPerMillionTokens / m2m)})`,
      },
    ],
    [
      `A MAU: ${USAGE_PER_MAU.login} sign-ins, ${USAGE_PER_MAU.refresh} refreshes and ${USAGE_PER_MAU.authorizer} authorizer invocations a month, plus $${PRICES.atRestMonthly} at rest; your own routes' API Gateway charge is left out, as it is the same with any provider.`,
    ],
  );
  const curve = [20_000, 50_000, 100_000, 200_000, 500_000, 1_000_000, 2_000_000];
  costChart(
    curve.flatMap((mau) => [
      { mau, who: 'this service', dollars: monthlyCost(mau, endpoints) },
      { mau, who: 'Cognito Essentials', dollars: COGNITO.essentials(mau) },
      { mau, who: 'Cognito Lite', dollars: COGNITO.lite(mau) },
      { mau, who: 'Cognito Plus', dollars: COGNITO.plus(mau) },
    ]),
  );
}
