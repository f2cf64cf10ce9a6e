/**
 * DynamoDB capacity units per operation, as DynamoDB Local reports them (ReturnConsumedCapacity
 * on every call), and the DynamoDB cost per million operations they make at on-demand prices.
 * The README's and BENCHMARKS.md's cost figures come from this table, and a test holds them to it.
 */
import { createCoreDeps } from '../functions/lib/wiring/core';
import { login } from '../functions/lib/flows/login';
import { logout } from '../functions/lib/flows/logout';
import { refresh } from '../functions/lib/flows/refresh';
import { createUser } from '../functions/lib/flows/users';
import { dynamoRevocationReader } from '../functions/lib/stores/revocation-reader';
import { createDynamoHttp, type DynamoHttpOptions } from '../functions/lib/stores/dynamodb-http';
import { createSignedDocumentClient, type DocumentSender } from '../functions/lib/stores/signed-document-client';
import { roleCredentials } from '../functions/lib/wiring/role-credentials';
import { createDocumentClient } from '../functions/lib/wiring/dynamo-client';
import type { AuthSecrets } from '../functions/lib/tokens/secrets';
import { startDynamoDbLocal } from '../local/dynamodb-local';
import { LOCAL_TABLES, ensureTables } from '../local/dynamodb-tables';
import { silent } from './authorizer';
import { benchConfig, table } from './lib';

/** On-demand list prices, us-east-1, late 2026: per million read and write request units. */
export const PRICE_PER_MILLION = { read: 0.125, write: 0.625 };

export type Units = { read: number; write: number };

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
} as const;

/** DynamoDB's cost of one million operations of `u` units, in dollars, at on-demand prices (2 decimals). */
export const dynamoDollars = (u: Units): string => (u.read * PRICE_PER_MILLION.read + u.write * PRICE_PER_MILLION.write).toFixed(2);

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
  return { login: loginUnits, refresh: refreshUnits, revocationCheck: revocationUnits, logout: units.take() };
}

export async function benchCapacity(secrets: AuthSecrets): Promise<void> {
  const ddb = await startDynamoDbLocal();
  try {
    const client = createDocumentClient({ endpoint: ddb.endpoint, region: 'local', credentials: ddb.credentials });
    await ensureTables(client, LOCAL_TABLES);
    const measured = await measureCapacity(LOCAL_TABLES, secrets, { endpoint: ddb.endpoint, credentials: ddb.credentials });
    table(
      '6. DynamoDB capacity units per operation (DynamoDB Local, ReturnConsumedCapacity)',
      Object.entries(measured).map(([op, u]) => ({
        what: CAPACITY_OPERATIONS[op as keyof typeof CAPACITY_OPERATIONS],
        measured: `${u.read} RRU + ${u.write} WRU`,
        reference: `$${dynamoDollars(u)} per million`,
      })),
      [
        `on-demand prices: $${PRICE_PER_MILLION.read} per million read units, $${PRICE_PER_MILLION.write} per million write units (us-east-1)`,
      ],
    );
  } finally {
    await ddb.stop();
  }
}
