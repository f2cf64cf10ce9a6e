import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { measureCapacity } from '../../bench/capacity';
import { dynamoDollars, type Units } from '../../bench/cost';
import { createTestTables, localClient, testSecrets } from '../helpers/harness';

const ROOT = join(__dirname, '../..');
const README = readFileSync(join(ROOT, 'README.md'), 'utf8');
const BENCHMARKS = readFileSync(join(ROOT, 'BENCHMARKS.md'), 'utf8');

/**
 * The cost figures in the README and BENCHMARKS.md are the capacity units DynamoDB Local
 * reports for each operation, priced by the benchmark's own function: change the data an
 * operation writes, and this fails until the documents say what it now costs.
 */
describe('the documented DynamoDB cost of each operation', () => {
  let measured: Record<'login' | 'refresh' | 'revocationCheck' | 'logout', Units>;

  beforeAll(async () => {
    measured = await measureCapacity(await createTestTables(localClient()), await testSecrets());
  });

  it.each(['login', 'refresh'] as const)('%s: the README and BENCHMARKS.md give its measured units and price', (op) => {
    const { read, write } = measured[op];
    expect(README).toContain(`DynamoDB $${dynamoDollars(measured[op])} (${read} read and ${write} write units`);
    const row = BENCHMARKS.split('\n').find((line) => line.startsWith(`| ${op} |`));
    expect(row).toMatch(new RegExp(`\\| ${read} RRU .*\\+ ${write} WRU .*= \\$${dynamoDollars(measured[op]).replace('.', '\\.')} \\|`));
  });

  it('the revocation check: BENCHMARKS.md prices what the authorizer reads on a cache miss', () => {
    const { read, write } = measured.revocationCheck;
    expect(write).toBe(0);
    const row = BENCHMARKS.split('\n').find((line) => line.startsWith('| authorizer, per invocation |'));
    expect(row).toContain(`${read} RRU on a cache miss = up to $${dynamoDollars(measured.revocationCheck)}`);
  });
});
