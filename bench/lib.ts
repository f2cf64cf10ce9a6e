/** Small helpers shared by the benchmark sections: timing, tables, results. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULTS } from '../functions/lib/wiring/config';

/**
 * `--quick`: every section runs, with a tenth of the calls, one round and one-second loads. Its
 * figures are printed and never asserted: `npm test` runs it so the benchmark code cannot rot.
 */
export const QUICK = process.argv.includes('--quick');
/** `full` in a full run, `quick` in a quick one. */
export const size = (full: number, quick: number): number => (QUICK ? quick : full);

/** p50 of `n` timed calls, in microseconds, after a warm-up. */
export async function p50Us(fn: () => unknown, calls: number, warmupCalls = Math.min(200, calls)): Promise<number> {
  const n = size(calls, Math.max(3, Math.ceil(calls / 10)));
  const warmup = size(warmupCalls, Math.min(1, warmupCalls));
  for (let i = 0; i < warmup; i++) await fn();
  const times = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const t0 = process.hrtime.bigint();
    await fn();
    times[i] = Number(process.hrtime.bigint() - t0) / 1e3;
  }
  return median([...times]);
}

export const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return ((s[Math.floor((s.length - 1) / 2)] as number) + (s[Math.ceil((s.length - 1) / 2)] as number)) / 2;
};

/**
 * Runs the measurements in interleaved rounds and keeps each one's best p50, so no variant is
 * favoured by running when the machine (or the JIT) happened to be warmer.
 */
export async function interleaved<K extends string>(
  rounds: number,
  measures: Record<K, () => Promise<number>>,
): Promise<Record<K, number>> {
  const best = Object.fromEntries(Object.keys(measures).map((k) => [k, Infinity])) as Record<K, number>;
  for (let r = 0; r < size(rounds, 1); r++) {
    for (const [k, m] of Object.entries(measures) as [K, () => Promise<number>][]) best[k] = Math.min(best[k], await m());
  }
  return best;
}

/** One line of a results table. */
export interface Row {
  readonly what: string;
  readonly measured: string;
  readonly reference?: string;
  readonly ratio?: number;
  readonly target?: string;
  readonly met?: boolean;
}

/** Everything a run measured, by section. */
export const results: Record<string, { rows: Row[]; notes: string[] }> = {};

/** Prints a section's table and keeps it for the JSON file. */
export function table(section: string, rows: Row[], notes: string[] = []): void {
  results[section] = { rows, notes };
  const cols = [
    ['what', 44],
    ['measured', 18],
    ['reference', 22],
    ['ratio', 8],
    ['target', 20],
    ['met', 5],
  ] as const;
  const cell = (row: Row, key: (typeof cols)[number][0]) =>
    key === 'ratio'
      ? row.ratio === undefined
        ? ''
        : `x${row.ratio.toFixed(2)}`
      : key === 'met'
        ? row.met === undefined
          ? ''
          : row.met
            ? 'yes'
            : 'NO'
        : String(row[key] ?? '');
  const line = (values: string[]) =>
    cols
      .map(([, w], i) => (values[i] ?? '').padEnd(w))
      .join(' ')
      .trimEnd();
  process.stdout.write(`\n## ${section}\n${line(cols.map(([k]) => k))}\n`);
  for (const row of rows) process.stdout.write(`${line(cols.map(([k]) => cell(row, k)))}\n`);
  for (const note of notes) process.stdout.write(`  ${note}\n`);
}

/** Writes the run's results under bench/results/ (a dated file and latest.json). */
export function writeResults(extra: Record<string, unknown>): string {
  const dir = join(__dirname, 'results');
  mkdirSync(dir, { recursive: true });
  const doc = JSON.stringify({ at: new Date().toISOString(), node: process.version, arch: process.arch, ...extra, results }, null, 2);
  const file = join(dir, `${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, doc);
  writeFileSync(join(dir, 'latest.json'), doc);
  return file;
}

export const us = (v: number) => `${v.toFixed(1)} µs`;
export const ms = (v: number) => `${v.toFixed(2)} ms`;

/** The configuration the benchmarks run the flows with: the defaults, fixed names, bcrypt at the lowest cost. */
export const benchConfig = <T extends object>(tables: T) => ({
  ...DEFAULTS,
  ...tables,
  issuer: 'https://auth.example.com',
  audience: 'https://api.example.com',
  bcryptCost: 10,
  routesParameter: undefined,
});
