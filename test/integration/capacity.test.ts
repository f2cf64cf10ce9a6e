import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { measureCapacity } from '../../bench/capacity';
import { ACTIVITY_HOURS, ACTIVITY_SHARDS } from '../../functions/lib/domain/activity';
import { dollars, dynamoDollars, type Endpoint, monthlyCost, perMillion, type Units } from '../../bench/cost';
import { createTestTables, localClient, testSecrets } from '../helpers/harness';

const ROOT = join(__dirname, '../..');
const README = readFileSync(join(ROOT, 'README.md'), 'utf8');
const BENCHMARKS = readFileSync(join(ROOT, 'BENCHMARKS.md'), 'utf8');

type Operation = 'login' | 'refresh' | 'revocationCheck' | 'logout' | 'machineToken' | 'dashboard';
/** The rows of BENCHMARKS.md's cost table, by the operation whose units they price. */
const COST_ROWS: Record<string, { op: Operation; apiRequest: boolean }> = {
  login: { op: 'login', apiRequest: true },
  refresh: { op: 'refresh', apiRequest: true },
  'authorizer invocation': { op: 'revocationCheck', apiRequest: false },
  'machine token': { op: 'machineToken', apiRequest: true },
  logout: { op: 'logout', apiRequest: true },
};

/** A cost-table row: `| login | 1769 MB x 192 ms | 2 RRU + 5 WRU | ... | **$12** |`. */
function costRow(name: string) {
  const line = BENCHMARKS.split('\n').find((l) => l.startsWith(`| ${name} |`));
  const m = line && /^\| [^|]+ \| (\d+) MB x (\d+) ms \| (\d+) RRU \+ (\d+) WRU \|.*\| \*\*(\$[\d,.]+)\*\* \|$/.exec(line);
  if (!m) throw new Error(`BENCHMARKS.md has no cost row for ${name}: ${line}`);
  return { memoryMb: Number(m[1]), billedMs: Number(m[2]), units: { read: Number(m[3]), write: Number(m[4]) }, total: m[5] as string };
}

/**
 * The cost figures in the README and BENCHMARKS.md are the capacity units DynamoDB Local
 * reports for each operation and the billed durations a benchmark run measured, priced by the
 * benchmark's own cost model: change the data an operation writes, or the arithmetic, and this
 * fails until the documents say what it now costs.
 */
describe('the documented cost of each operation', () => {
  let measured: Record<Operation, Units>;

  beforeAll(async () => {
    measured = await measureCapacity(await createTestTables(localClient()), await testSecrets());
  });

  it.each(['login', 'refresh'] as const)('%s: the README gives its measured units and their price', (op) => {
    const { read, write } = measured[op];
    expect(README).toContain(`DynamoDB $${dynamoDollars(measured[op])} (${read} read and ${write} write units`);
  });

  it('the admin dashboard: one load writes nothing, and the README gives what DynamoDB charges for its reads', () => {
    expect(measured.dashboard.write).toBe(0);
    // DynamoDB prices a batch's keys as GetItems of up to 4 KB (half a unit each, eventually
    // consistent); DynamoDB Local reports only the items it found, so the README gives the bound.
    const charged = (ACTIVITY_HOURS * ACTIVITY_SHARDS) / 2;
    expect(measured.dashboard.read).toBeLessThanOrEqual(charged);
    expect(README).toContain(`one dashboard load reads at most ${charged} units`);
  });

  it.each(Object.keys(COST_ROWS))('%s: the BENCHMARKS.md row holds the measured units, and its total is the model of them', (name) => {
    const { op, apiRequest } = COST_ROWS[name] as (typeof COST_ROWS)[string];
    const row = costRow(name);
    expect(row.units).toEqual(measured[op]);
    expect(dollars(perMillion({ ...row, apiRequest }).total)).toBe(row.total);
  });

  it('the monthly costs by MAU, in BENCHMARKS.md and the README, are the model of those rows', () => {
    const endpoint = (name: string): Endpoint => ({
      ...costRow(name),
      apiRequest: (COST_ROWS[name] as { apiRequest: boolean }).apiRequest,
    });
    const endpoints = { login: endpoint('login'), refresh: endpoint('refresh'), authorizer: endpoint('authorizer invocation') };
    for (const mau of [10_000, 100_000, 1_000_000]) {
      const cost = dollars(monthlyCost(mau, endpoints));
      expect(BENCHMARKS).toContain(`| ${mau.toLocaleString('en-US')} | **${cost}** |`);
      expect(README).toContain(`${mau.toLocaleString('en-US')} MAU: **${cost}**`);
    }
    expect(README).toContain(`Per million logins: **${dollars(perMillion(endpoints.login).total)}**`);
    expect(README).toContain(`Per million refreshes: **${dollars(perMillion(endpoints.refresh).total)}**`);
  });
});
