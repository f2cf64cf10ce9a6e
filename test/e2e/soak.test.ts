import { randomBytes } from 'node:crypto';
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { decodeProtectedHeader } from 'jose';
import { hashRefreshToken } from '../../functions/lib/domain/refresh-tokens';
import { LOCAL_TABLES } from '../../local/dynamodb-tables';
import { checkSoak, readTables, tablesClient, type Violation } from '../soak/invariants';
import { runSoak, type SoakRun } from '../soak/soak';

/**
 * The soak in 30 seconds: every fault kind, one SIGKILL restart of DynamoDB Local and a key
 * rotation under load, then the invariant checker; and the checker itself, on a session this
 * test corrupts. `npm run soak` is the long run (RELIABILITY.md).
 */
let run: SoakRun;
let violations: Violation[];

beforeAll(async () => {
  run = await runSoak({ durationSeconds: 30, users: 8, restarts: 1 });
  violations = await checkSoak(run);
}, 150_000);
afterAll(async () => {
  await run?.stop();
});

describe('a 30-second soak under every fault', () => {
  it('ends with zero invariant violations', () => {
    expect(violations).toEqual([]);
  });

  it('injected every fault kind, restarted DynamoDB Local once, rotated the key, and the service recovered by itself', () => {
    for (const kind of ['latency', 'reset', 'lost_answer', 'throttled', 'throughput_exceeded', 'server_error'] as const) {
      expect([kind, run.faults[kind]]).toEqual([kind, expect.any(Number)]);
      expect(run.faults[kind]).toBeGreaterThan(0);
    }
    expect(run.restarts).toHaveLength(1);
    expect(Number.isFinite(run.restarts[0]?.recoveredAt)).toBe(true);
    expect(run.rotation.promotedAt).toEqual(expect.any(Number));
    // Tokens of both keys were handed out, and (the first test) all of them still verify.
    expect(new Set([...run.seen.accessTokens].map((t) => decodeProtectedHeader(t).kid)).size).toBe(2);
    // Load really ran, and some of it through the hard paths.
    expect(run.seen.grants.length).toBeGreaterThan(50);
    expect(run.seen.calls.some((c) => c.status === 503)).toBe(true);
  });

  it('catches what it exists to catch: a family whose head is not the token its client holds, and one that lost a rotation', async () => {
    const tables = await readTables(tablesClient(run));
    // Families whose client holds the table's current head.
    const held = run.seen.grants.filter((g) => {
      const s = tables.sessions.get(g.sid);
      return s?.status === 'active' && s.currentHash === hashRefreshToken(g.token) && s.generation > 0;
    });
    const [forked, rolledBack] = [held[0], held.find((g) => g.sid !== held[0]?.sid)];
    if (!forked || !rolledBack) throw new Error('the soak left fewer than two live families to corrupt');
    const client = tablesClient(run);
    // A second head: the stored hash is of a token nobody was given.
    await client.send(
      new UpdateCommand({
        TableName: LOCAL_TABLES.sessionsTable,
        Key: { sid: forked.sid },
        UpdateExpression: 'SET currentHash = :h',
        ExpressionAttributeValues: { ':h': hashRefreshToken(randomBytes(32).toString('base64url')) },
      }),
    );
    // A lost write: the table is back one rotation, behind a token its client holds.
    await client.send(
      new UpdateCommand({
        TableName: LOCAL_TABLES.sessionsTable,
        Key: { sid: rolledBack.sid },
        UpdateExpression: 'SET generation = generation - :one',
        ExpressionAttributeValues: { ':one': 1 },
      }),
    );
    const found = await checkSoak(run);
    expect(found).toEqual(
      expect.arrayContaining([
        { invariant: 'one_head', detail: expect.stringContaining(`family ${forked.sid}:`) },
        { invariant: 'accounted', detail: expect.stringContaining(`family ${rolledBack.sid}:`) },
      ]),
    );
    expect(found.every((v) => v.detail.includes(forked.sid) || v.detail.includes(rolledBack.sid))).toBe(true);
  });
});
