import type { WebAuthnConfig } from '../../functions/lib/wiring/webauthn';
import { ROUTES } from '../../functions/lib/contract/routes';
import type { AuthorizerDeps } from '../../functions/lib/wiring/authorizer';
import { randomUUID } from 'node:crypto';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Clock } from '../../functions/lib/domain/clock';
import { DEFAULTS, type Config } from '../../functions/lib/wiring/config';
import { createCoreDeps } from '../../functions/lib/wiring/core';
import type { CoreDeps } from '../../functions/lib/flows/deps';
import { createDocumentClient, createStoreClient } from '../../functions/lib/wiring/dynamo-client';
import { JwkSetKeySource, toPublicJwks } from '../../functions/lib/tokens/key-source';
import type { AuthLogger } from '../../functions/lib/telemetry/events';
import { generateSecrets, type AuthSecrets } from '../../functions/lib/tokens/secrets';
import { createVerifyDeps, type VerifyDeps } from '../../functions/lib/wiring/verify';
import { ensureTables } from '../../local/dynamodb-tables';
import { createRevocationChecker } from '../../functions/lib/authz/revocation';
import { dynamoRevocationReader } from '../../functions/lib/stores/revocation-reader';
import { createDynamoHttp } from '../../functions/lib/stores/dynamodb-http';
import { roleCredentials } from '../../functions/lib/wiring/role-credentials';
import { DYNAMODB_LOCAL_REGION } from '../../local/dynamodb-local';

/** bcrypt cost for tests: the lowest the config allows, to keep suites fast. */
export const TEST_BCRYPT_COST = 10;

/** Test configuration; issuer and audience are fixed so tokens can be checked. */
export function testConfig(overrides: Partial<Config> = {}): Config & { webauthn: WebAuthnConfig } {
  return {
    usersTable: 'users',
    sessionsTable: 'sessions',
    attemptsTable: 'attempts',
    auditTable: 'audit',
    clientsTable: 'clients',
    issuer: 'https://auth.test.example',
    audience: 'https://api.test.example',
    secretsFile: undefined,
    secretId: undefined,
    publicJwksParameter: undefined,
    routesParameter: undefined,
    routes: undefined,
    appUrl: 'https://app.test.example',
    smtpUrl: undefined,
    mailFrom: undefined,
    mailQueueUrl: undefined,
    dynamodbEndpoint: undefined,
    webauthn: { rpId: 'app.test.example', origins: ['https://app.test.example'] },
    ...DEFAULTS,
    bcryptCost: TEST_BCRYPT_COST,
    selfRegistration: true,
    ...overrides,
  };
}

let secrets: Promise<AuthSecrets> | undefined;
/** One generated key set and pepper per test file (RSA generation takes ~100 ms). */
export const testSecrets = (): Promise<AuthSecrets> => (secrets ??= generateSecrets());

/** A clock the test moves by hand. */
export function manualClock(startMs = Date.UTC(2026, 10, 29, 12, 0, 0)): Clock & { advance(seconds: number): void } {
  let t = startMs;
  const clock = (() => t) as Clock & { advance(seconds: number): void };
  clock.advance = (seconds) => {
    t += seconds * 1000;
  };
  return clock;
}

/** A logger that keeps every line, to assert on events and on what never gets logged. */
export function recordingLogger(): AuthLogger & { lines: { level: string; message: string; extra: unknown[] }[]; text(): string } {
  const lines: { level: string; message: string; extra: unknown[] }[] = [];
  const record =
    (level: string) =>
    (message: string, ...extra: unknown[]) =>
      void lines.push({ level, message, extra });
  return {
    lines,
    info: record('info') as AuthLogger['info'],
    warn: record('warn') as AuthLogger['warn'],
    error: record('error') as AuthLogger['error'],
    text: () => JSON.stringify(lines, (_k, v: unknown) => (v instanceof Error ? { name: v.name, message: v.message } : v)),
  };
}

/** A document client on the suite's DynamoDB Local. */
export function localClient(endpoint = process.env.TEST_DYNAMODB_ENDPOINT): DynamoDBDocumentClient {
  if (!endpoint) throw new Error('TEST_DYNAMODB_ENDPOINT is not set: run integration tests through jest');
  return createDocumentClient({ endpoint, region: 'local' });
}

/** The functions' store client (`createStoreClient`) on DynamoDB Local, or on `endpoint` (a fault proxy). */
export const localStoreClient = (endpoint = process.env.TEST_DYNAMODB_ENDPOINT) => {
  if (!endpoint) throw new Error('TEST_DYNAMODB_ENDPOINT is not set: run integration tests through jest');
  return createStoreClient({ endpoint, region: DYNAMODB_LOCAL_REGION });
};

/** The authorizer's signed DynamoDB client, on DynamoDB Local (or `endpoint`), with the suite's credentials. */
export const localDynamoHttp = (endpoint = process.env.TEST_DYNAMODB_ENDPOINT) =>
  createDynamoHttp({ endpoint, region: DYNAMODB_LOCAL_REGION, credentials: roleCredentials });

/** Creates the service's tables under names unique to this suite. */
export async function createTestTables(
  client: DynamoDBDocumentClient,
): Promise<Pick<Config, 'usersTable' | 'sessionsTable' | 'attemptsTable' | 'auditTable' | 'clientsTable'>> {
  const suffix = randomUUID().slice(0, 8);
  const names = {
    usersTable: `users-${suffix}`,
    sessionsTable: `sessions-${suffix}`,
    attemptsTable: `attempts-${suffix}`,
    auditTable: `audit-${suffix}`,
    clientsTable: `clients-${suffix}`,
  };
  await ensureTables(client, names);
  return names;
}

/** Everything a suite needs: core deps on fresh tables, verify deps on the same keys. */
export interface Harness {
  config: Config;
  secrets: AuthSecrets;
  client: DynamoDBDocumentClient;
  clock: ReturnType<typeof manualClock>;
  logger: ReturnType<typeof recordingLogger>;
  core: CoreDeps;
  /** The verifier's dependencies, with the route table: what an authorizer of this API needs. */
  verify: VerifyDeps & Pick<AuthorizerDeps, 'routes'>;
}

/** Builds a harness on DynamoDB Local with a manual clock. */
export async function createHarness(overrides: Partial<Config> = {}): Promise<Harness> {
  const client = localClient();
  const config = testConfig({ ...(await createTestTables(client)), ...overrides });
  const s = await testSecrets();
  const clock = manualClock();
  const logger = recordingLogger();
  return {
    config,
    secrets: s,
    client,
    clock,
    logger,
    // The stores on the functions' own client (signed POSTs); `client` (the SDK's) is for setting up and inspecting.
    core: createCoreDeps(config, s, localStoreClient(), { now: clock, logger }),
    verify: {
      ...createVerifyDeps(config, new JwkSetKeySource({ jwks: toPublicJwks(s.signingKeys) }), {
        now: clock,
        logger,
        revocation: createRevocationChecker({
          read: dynamoRevocationReader({
            db: localDynamoHttp(),
            usersTable: config.usersTable,
            sessionsTable: config.sessionsTable,
          }),
          cacheSeconds: 0,
          now: clock,
        }),
      }),
      routes: ROUTES,
    },
  };
}
