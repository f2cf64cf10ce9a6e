import { ServiceUnavailableError } from '../../functions/lib/domain/errors';
import { login } from '../../functions/lib/flows/login';
import { refresh } from '../../functions/lib/flows/refresh';
import { createUser } from '../../functions/lib/flows/users';
import { createCoreDeps } from '../../functions/lib/wiring/core';
import { startFaultProxy } from '../faults/fault-proxy';
import { decodeJwt } from 'jose';
import { dynamoRevocationReader } from '../../functions/lib/stores/revocation-reader';
import {
  createTestTables,
  localClient,
  manualClock,
  recordingLogger,
  testConfig,
  testSecrets,
  localDynamoHttp,
  localStoreClient,
} from '../helpers/harness';

/**
 * The flows against DynamoDB Local through the fault proxy, one fault at a time: what the SDK's
 * retries make of each, and what the service answers.
 */
const PASSWORD = 'correct horse battery staple';
const meta = { requestId: 'r', sourceIp: '203.0.113.9' };
let proxy: Awaited<ReturnType<typeof startFaultProxy>>;
let core: ReturnType<typeof createCoreDeps>;
let attemptsTable: string;
let auditTable: string;
let tables: { usersTable: string; sessionsTable: string };

beforeAll(async () => {
  proxy = await startFaultProxy(process.env.TEST_DYNAMODB_ENDPOINT as string);
  const config = testConfig({ ...(await createTestTables(localClient())) });
  attemptsTable = config.attemptsTable;
  auditTable = config.auditTable;
  tables = { usersTable: config.usersTable, sessionsTable: config.sessionsTable };
  core = createCoreDeps(config, await testSecrets(), localStoreClient(proxy.url), {
    now: manualClock(),
    logger: recordingLogger(),
  });
  await createUser({ username: 'ann', password: PASSWORD }, meta, core);
});
afterAll(async () => {
  await proxy?.stop();
});

describe('the flows under injected DynamoDB faults', () => {
  it('gives the same successor when the answer of a committed rotation is lost: the client retries, and the grace path answers', async () => {
    const pair = await login({ username: 'ann', password: PASSWORD }, meta, core);
    proxy.inject({ kind: 'lost_answer', operation: 'UpdateItem' });
    const next = await refresh(pair.refresh_token, meta, core);
    expect(proxy.counts().lost_answer).toBe(1);
    // The client's own retry of the same token gets the same successor; nothing was revoked.
    const again = await refresh(pair.refresh_token, meta, core);
    expect(again.refresh_token).toBe(next.refresh_token);
    await expect(refresh(next.refresh_token, meta, core)).resolves.toMatchObject({ token_type: 'Bearer' });
  });

  it('rides out one throttling answer, one 500 and one reset with the store client retrying', async () => {
    for (const kind of ['throttled', 'throughput_exceeded', 'server_error', 'reset'] as const) {
      proxy.inject({ kind, operation: 'GetItem' });
      await expect(login({ username: 'ann', password: PASSWORD }, meta, core)).resolves.toMatchObject({ token_type: 'Bearer' });
    }
    expect(proxy.counts()).toMatchObject({ throttled: 1, throughput_exceeded: 1, server_error: 1, reset: 1 });
  });

  it('answers 503 (ServiceUnavailableError), never a 500, when DynamoDB keeps throttling past the retries', async () => {
    const pair = await login({ username: 'ann', password: PASSWORD }, meta, core);
    proxy.inject({ kind: 'throttled', operation: 'UpdateItem', times: 3 });
    await expect(refresh(pair.refresh_token, meta, core)).rejects.toBeInstanceOf(ServiceUnavailableError);
    // Nothing was consumed: the same token refreshes once DynamoDB answers again.
    await expect(refresh(pair.refresh_token, meta, core)).resolves.toMatchObject({ token_type: 'Bearer' });
  });
});

describe('the throttling counters when DynamoDB fails', () => {
  // Every attempt of every such request fails, until the test clears the rule.
  const always = (operation: string) => ({ kind: 'throttled' as const, operation, table: attemptsTable, times: 1_000 });
  afterEach(() => proxy.clear());

  it('fail closed before and at the password check: an unreadable counter, or a failure that cannot be counted, answers 503 and no verdict', async () => {
    proxy.inject(always('BatchGetItem'));
    await expect(login({ username: 'ann', password: PASSWORD }, meta, core)).rejects.toBeInstanceOf(ServiceUnavailableError);
    proxy.clear();
    // A wrong password whose failure cannot be counted is not answered "wrong": a guesser learns
    // nothing from an attempt the counters did not see (ASVS 6.3.1).
    proxy.inject(always('UpdateItem'));
    await expect(login({ username: 'ann', password: 'wrong password, surely' }, meta, core)).rejects.toBeInstanceOf(
      ServiceUnavailableError,
    );
  });

  it('fail open after a proven password: the counter reset and the trusted-source mark may fail, and the sign-in stands', async () => {
    const before = proxy.counts().throttled;
    proxy.inject(always('DeleteItem'));
    proxy.inject(always('PutItem'));
    await expect(login({ username: 'ann', password: PASSWORD }, meta, core)).resolves.toMatchObject({ token_type: 'Bearer' });
    // Both writes failed on each of their 3 attempts.
    expect(proxy.counts().throttled - before).toBe(6);
  });
});

describe('the audit trail when DynamoDB fails', () => {
  afterEach(() => proxy.clear());

  it('fails closed: a refresh whose audit record cannot be written answers 503, and its retry gets the same successor, audited', async () => {
    const pair = await login({ username: 'ann', password: PASSWORD }, meta, core);
    proxy.inject({ kind: 'throttled', operation: 'PutItem', table: auditTable, times: 1_000 });
    await expect(refresh(pair.refresh_token, { ...meta, requestId: 'unaudited' }, core)).rejects.toBeInstanceOf(ServiceUnavailableError);
    proxy.clear();
    // The rotation had committed: the retry, within the grace window, finds its successor.
    const retried = await refresh(pair.refresh_token, { ...meta, requestId: 'audited-retry' }, core);
    await expect(refresh(retried.refresh_token, meta, core)).resolves.toMatchObject({ token_type: 'Bearer' });
    const userId = (await core.users.getUser('ann'))?.userId as string;
    const events = (await core.auditStore.listByUser(userId, 50)).events.filter((e) => e.event === 'refresh_succeeded');
    expect(events.map((e) => e.requestId)).toContain('audited-retry');
    expect(events.map((e) => e.requestId)).not.toContain('unaudited');
  });
});

describe("the authorizer's signed DynamoDB reads under faults", () => {
  afterEach(() => proxy.clear());
  const reader = (extra: Partial<typeof tables> = {}) => dynamoRevocationReader({ db: localDynamoHttp(proxy.url), ...tables, ...extra });

  it('rides out one throttling answer, one 500 and one reset with its own retries', async () => {
    const { sid } = decodeJwt((await login({ username: 'ann', password: PASSWORD }, meta, core)).access_token) as { sid: string };
    for (const kind of ['throttled', 'server_error', 'reset'] as const) {
      proxy.inject({ kind, operation: 'BatchGetItem' });
      await expect(reader()('ann', sid)).resolves.toMatchObject({
        user: { status: 'active', roles: ['user'] },
        session: { status: 'active' },
      });
    }
  });

  it('gives up on an answer held past 3 s and asks again: the held request is the one that times out', async () => {
    const { sid } = decodeJwt((await login({ username: 'ann', password: PASSWORD }, meta, core)).access_token) as { sid: string };
    proxy.inject({ kind: 'latency', operation: 'BatchGetItem', delayMs: 5_000 });
    const started = Date.now();
    await expect(reader()('ann', sid)).resolves.toMatchObject({ session: { status: 'active' } });
    expect(Date.now() - started).toBeGreaterThanOrEqual(3_000);
    expect(Date.now() - started).toBeLessThan(4_500);
  });

  it('answers unavailable after its 3 attempts, and fails at once (closed) on a refusal no retry cures', async () => {
    proxy.inject({ kind: 'throughput_exceeded', operation: 'BatchGetItem', times: 3 });
    await expect(reader()('ann', 'some-sid')).rejects.toBeInstanceOf(ServiceUnavailableError);
    const before = proxy.counts().forwarded;
    await expect(reader({ usersTable: 'no-such-table' })('ann', 'some-sid')).rejects.toThrow(
      'DynamoDB BatchGetItem failed: ResourceNotFoundException',
    );
    expect(proxy.counts().forwarded - before).toBe(1);
  });
});
