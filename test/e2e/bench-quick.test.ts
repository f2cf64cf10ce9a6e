import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

/**
 * `npm run bench -- --quick`: every section of the benchmark, small, so its code cannot rot
 * between full runs. Its figures are printed for whoever reads the log, never asserted: a quick
 * run on a shared machine says nothing about a target.
 */
const ROOT = resolve(__dirname, '../..');

it('runs every benchmark section to its table, and writes no results', () => {
  const latest = resolve(ROOT, 'bench/results/latest.json');
  const before = readFileSync(latest, 'utf8');
  const r = spawnSync(process.execPath, [require.resolve('tsx/cli'), 'bench/run.ts', '--quick'], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 150_000,
  });
  process.stdout.write(r.stdout);
  // On a failure, the last of stderr says which section failed and why.
  expect([r.status, r.status === 0 ? '' : r.stderr.slice(-3000)]).toEqual([0, '']);
  const headings = r.stdout.split('\n').filter((l) => /^## \d\. /.test(l));
  expect(headings.map((l) => l.slice(3, 5)).sort()).toEqual(['1.', '1.', '2.', '3.', '4.', '5.', '6.', '7.', '8.']);
  expect(r.stdout).toContain('nothing written');
  expect(readFileSync(latest, 'utf8')).toBe(before);
}, 180_000);
