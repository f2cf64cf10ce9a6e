import { createLocalJWKSet, decodeJwt, type JSONWebKeySet, jwtVerify } from 'jose';
import { ScanCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { hashRefreshToken } from '../../functions/lib/domain/refresh-tokens';
import type { Session } from '../../functions/lib/domain/sessions';
import { LOCAL_TABLES } from '../../local/dynamodb-tables';
import type { Call, Observations } from './observations';
import type { SoakRun } from './soak';
import { createDocumentClient } from '../../functions/lib/wiring/dynamo-client';
import { DYNAMODB_LOCAL_REGION } from '../../local/dynamodb-local';

/** What the checker reads from the tables, directly (never through the fault proxy). */
export interface Tables {
  readonly sessions: ReadonlyMap<string, Session>;
  /** `tokensValidAfter` by user id. */
  readonly tokensValidAfter: ReadonlyMap<string, number>;
  /** Request ids of audit records, by event. */
  readonly audited: ReadonlyMap<string, ReadonlySet<string>>;
}

/** One broken promise, with what shows it. Never a token: only session ids, generations and request ids. */
export interface Violation {
  readonly invariant: Invariant;
  readonly detail: string;
}

/** The invariants, as the report names them. */
export const INVARIANTS = {
  one_head: 'at most one live head per session family, and it is the token its client was given',
  accounted: 'every refresh token a client received is the live head, or was consumed by a recorded successor or a revocation',
  one_working: 'no client holds two tokens of one family that both work',
  audited: 'every 2xx login and refresh has its audit record',
  reuse_was_replay: 'every session revoked by reuse detection was in fact replayed, and no replay past the grace window worked',
  keys: 'every access token signed during the run verifies with the keys published after it, and none was refused while it stood',
  only_503: 'every 5xx is a 503, and only while a fault was injected',
} as const;
export type Invariant = keyof typeof INVARIANTS;

/** What the checker compares the tables with: the clients' observations and the fault windows (ms since the soak began). */
export interface CheckInput {
  readonly seen: Observations;
  readonly windows: readonly { readonly start: number; readonly end: number }[];
  /** The final public key set (`/.well-known/jwks.json`). */
  readonly jwks: JSONWebKeySet;
  /** Epoch ms of the soak's time 0, to compare the clients' times with the tables'. */
  readonly t0: number;
}

/** A client of the soak's DynamoDB Local, directly: what the checker reads, and what a test corrupts. */
export const tablesClient = (run: Pick<SoakRun, 'dynamodb'>) =>
  createDocumentClient({ endpoint: run.dynamodb.endpoint, region: DYNAMODB_LOCAL_REGION, credentials: run.dynamodb.credentials });

/** Checks a finished soak (its service still running): the final key set, the tables, and the clients' observations. */
export async function checkSoak(run: SoakRun): Promise<Violation[]> {
  const jwks = (await (await fetch(`${run.baseUrl}/.well-known/jwks.json`)).json()) as JSONWebKeySet;
  const tables = await readTables(tablesClient(run));
  return checkInvariants(tables, { seen: run.seen, windows: run.windows, jwks, t0: run.t0 });
}

/** Reads the three tables the invariants are about (every page). */
export async function readTables(client: DynamoDBDocumentClient): Promise<Tables> {
  const scan = async (table: string) => {
    const items: Record<string, unknown>[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const page = await client.send(new ScanCommand({ TableName: table, ExclusiveStartKey: start, ConsistentRead: true }));
      items.push(...((page.Items ?? []) as Record<string, unknown>[]));
      start = page.LastEvaluatedKey;
    } while (start);
    return items;
  };
  const [sessions, users, audit] = await Promise.all([
    scan(LOCAL_TABLES.sessionsTable),
    scan(LOCAL_TABLES.usersTable),
    scan(LOCAL_TABLES.auditTable),
  ]);
  const audited = new Map<string, Set<string>>();
  for (const record of audit) {
    const set = audited.get(record.event as string) ?? new Set<string>();
    if (typeof record.requestId === 'string') set.add(record.requestId);
    audited.set(record.event as string, set);
  }
  return {
    sessions: new Map(sessions.map((s) => [s.sid as string, s as unknown as Session])),
    tokensValidAfter: new Map(
      users.filter((u) => typeof u.userId === 'string').map((u) => [u.userId as string, (u.tokensValidAfter as number | undefined) ?? 0]),
    ),
    audited,
  };
}

/**
 * Compares what the clients saw with what the tables hold, after a soak. Every check is one of
 * `INVARIANTS`; the answer lists each violation (empty when every promise held).
 */
export async function checkInvariants(tables: Tables, input: CheckInput): Promise<Violation[]> {
  const { seen } = input;
  const violations: Violation[] = [];
  const fail = (invariant: Invariant, detail: string) => violations.push({ invariant, detail });

  // The grants of each family, by generation, and what the table says of it.
  const families = new Map<string, Map<number, Set<string>>>();
  for (const g of seen.grants) {
    const byGeneration = families.get(g.sid) ?? new Map<number, Set<string>>();
    byGeneration.set(g.generation, (byGeneration.get(g.generation) ?? new Set()).add(g.token));
    families.set(g.sid, byGeneration);
  }
  for (const [sid, byGeneration] of families) {
    const s = tables.sessions.get(sid);
    if (!s) {
      fail('accounted', `family ${sid}: its clients hold tokens, the sessions table has no such session`);
      continue;
    }
    for (const [generation, tokens] of byGeneration) {
      if (tokens.size > 1) fail('one_head', `family ${sid}: ${tokens.size} different tokens of generation ${generation} were handed out`);
      const token = [...tokens][0] as string;
      if (generation > s.generation) {
        fail('accounted', `family ${sid}: a client holds generation ${generation}, the table's head is ${s.generation}`);
      } else if (generation === s.generation && s.currentHash !== hashRefreshToken(token)) {
        fail('one_head', `family ${sid}: the table's head of generation ${generation} is not the token its client was given`);
      } else if (generation === s.generation - 1 && s.previousHash !== undefined && s.previousHash !== hashRefreshToken(token)) {
        fail('accounted', `family ${sid}: generation ${generation} was consumed, but not by the recorded successor`);
      }
    }
  }

  // One client, one family: of the tokens it holds, only its newest can be the one that works.
  const held = new Map<string, { newest: number; working: number[] }>();
  for (const g of seen.grants) {
    const key = `${g.vu} ${g.sid}`;
    const entry = held.get(key) ?? { newest: -1, working: [] };
    entry.newest = Math.max(entry.newest, g.generation);
    const s = tables.sessions.get(g.sid);
    if (s?.status === 'active' && s.currentHash === hashRefreshToken(g.token)) entry.working.push(g.generation);
    held.set(key, entry);
  }
  for (const [key, { newest, working }] of held) {
    const distinct = [...new Set(working)];
    if (distinct.length > 1 || (distinct.length === 1 && distinct[0] !== newest)) {
      fail('one_working', `client and family ${key}: generations ${distinct.join(', ')} work, the newest it holds is ${newest}`);
    }
  }

  // Audit: every successful login and refresh, by the request id API Gateway gave it.
  const expected: Record<string, string> = { login: 'login_succeeded', refresh: 'refresh_succeeded' };
  for (const c of seen.calls) {
    const event = expected[c.op];
    if (!event || c.status < 200 || c.status >= 300) continue;
    if (!c.requestId || !tables.audited.get(event)?.has(c.requestId)) {
      fail('audited', `${c.op} ${c.requestId ?? '(no request id)'} answered ${c.status} at ${c.end} ms, with no ${event} record`);
    }
  }

  // Reuse detection: only ever on a replay; and a replay past the grace window never works.
  const replayed = new Set(seen.replays.map((r) => r.sid));
  for (const s of tables.sessions.values()) {
    if (s.revokedReason === 'refresh_token_reuse' && !replayed.has(s.sid)) {
      fail('reuse_was_replay', `family ${s.sid} was revoked for reuse, and no client replayed one of its tokens`);
    }
  }
  for (const r of seen.replays) {
    if (r.status >= 200 && r.status < 300)
      fail('reuse_was_replay', `family ${r.sid}: a replay of generation ${r.generation} answered ${r.status}`);
  }

  // Keys: every access token verifies with the final key set; a refusal only for a token that no longer stood.
  const keys = createLocalJWKSet(input.jwks);
  for (const token of seen.accessTokens) {
    const { iat = 0, sid } = decodeJwt(token);
    try {
      await jwtVerify(token, keys, { currentDate: new Date(iat * 1000 + 1000), algorithms: ['RS256'] });
    } catch (err) {
      fail('keys', `the access token of session ${String(sid)} issued at ${iat} fails to verify: ${(err as Error).message}`);
    }
  }
  for (const c of seen.calls) {
    if (c.op !== 'call' || c.status !== 401 || !c.accessToken) continue;
    if (!stoodAt(c, tables, input.t0)) continue;
    fail('keys', `a call of session ${c.sid} at ${c.start} ms was refused (401) while its token stood`);
  }

  // Outages: 503 only, only while a fault was injected.
  for (const c of seen.calls) {
    if (c.status !== 0 && c.status < 500) continue;
    const during = input.windows.some((w) => c.start <= w.end && c.end >= w.start);
    if (c.status !== 503 || !during) {
      fail(
        'only_503',
        `${c.op} answered ${c.status || 'nothing'} at ${c.start}-${c.end} ms${during ? '' : ', outside every fault window'}`,
      );
    }
  }
  return violations;
}

/** Whether the token a call presented still stood then: unexpired, its session active, not older than its user's `tokensValidAfter`. */
function stoodAt(c: Call, tables: Tables, t0: number): boolean {
  const claims = decodeJwt(c.accessToken as string);
  const at = (t0 + c.start) / 1000;
  if ((claims.exp ?? 0) <= at) return false;
  const s = tables.sessions.get(claims.sid as string);
  if (!s || (s.status !== 'active' && (s.revokedAt ?? 0) <= Math.ceil((t0 + c.end) / 1000))) return false;
  return (claims.iat ?? 0) > (tables.tokensValidAfter.get(claims.sub as string) ?? 0);
}
