/**
 * `npm run soak [-- --duration 180] [-- --users 12] [-- --restarts 2] [-- --no-report]`: load
 * with injected DynamoDB faults and restarts against `npm start`, then the invariant checker.
 * Writes RELIABILITY.md and docs/reliability-soak.svg; exits 1 on any violation.
 */
import '../../local/quiet-sdk';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { soakFigures } from './figures';
import { checkSoak, INVARIANTS } from './invariants';
import { reliabilityMarkdown, soakChart } from './report';
import { runSoak } from './soak';

const ROOT = join(__dirname, '../..');
const CHART = 'docs/reliability-soak.svg';

function parse(argv: string[]) {
  const value = (name: string, fallback: number) => {
    const i = argv.indexOf(`--${name}`);
    if (i < 0) return fallback;
    const n = Number(argv[i + 1]);
    if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} takes a whole number, got ${argv[i + 1]}`);
    return n;
  };
  const known = new Set(['--duration', '--users', '--restarts', '--no-report']);
  argv.forEach((a, i) => {
    if (a.startsWith('--') && !known.has(a)) throw new Error(`unknown option ${a} (options: ${[...known].join(', ')})`);
    if (!a.startsWith('--') && !argv[i - 1]?.startsWith('--')) throw new Error(`unexpected ${a}`);
  });
  return {
    durationSeconds: value('duration', 180),
    users: value('users', 12),
    restarts: value('restarts', 2),
    report: !argv.includes('--no-report'),
  };
}

async function main() {
  const args = parse(process.argv.slice(2));
  const command = `npm run soak -- --duration ${args.durationSeconds}`;
  process.stdout.write(
    `soak: ${args.durationSeconds} s, ${args.users} virtual users, ${args.restarts} restart(s) of DynamoDB Local (loopback only)\n`,
  );
  const t0 = Date.now();
  const run = await runSoak({ ...args, onProgress: (line) => process.stdout.write(`${line}\n`) });
  try {
    const violations = await checkSoak(run);
    const figures = soakFigures(run, violations);
    for (const v of violations.slice(0, 20)) process.stdout.write(`violation ${v.invariant}: ${v.detail}\n`);
    process.stdout.write(
      `\n${figures.requests} requests, ${figures.unavailable} answered 503, ` +
        `restarts recovered in ${figures.restarts.map((r) => `${r.recoverySeconds.toFixed(1)} s`).join(' and ')}; ` +
        `${violations.length} invariant violations (${Object.keys(INVARIANTS).length} invariants checked)\n`,
    );
    if (args.report) {
      const when = new Date(t0).toISOString().slice(0, 16).replace('T', ' ');
      await writeFile(join(ROOT, CHART), await soakChart(figures));
      await writeFile(join(ROOT, 'RELIABILITY.md'), reliabilityMarkdown(figures, command, CHART, `${when} UTC`));
      process.stdout.write(`wrote RELIABILITY.md and ${CHART}\n`);
    }
    process.exitCode = violations.length === 0 ? 0 : 1;
  } finally {
    await run.stop();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`error: ${(err as Error).message}\n`);
  process.exit(1);
});
