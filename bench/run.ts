/**
 * `npm run bench [-- <section>] [-- --quick]`: every performance target, each as a ratio
 * measured side by side in one run, printed as tables and written to bench/results/. See
 * BENCHMARKS.md. `--quick` runs every section small and writes nothing: `npm test` runs it.
 */
import '../local/quiet-sdk';
import { generateSecrets } from '../functions/lib/tokens/secrets';
import { benchAuthorizer } from './authorizer';
import { benchColdStart } from './cold-start';
import { benchLatency } from './latency';
import { benchThroughput } from './throughput';
import { benchMemory } from './memory';
import { benchCapacity } from './capacity';
import { benchMachineTokens } from './machine-tokens';
import { benchPeer } from './peer';
import { QUICK, writeResults } from './lib';
import { writeCharts } from './charts';
import { stopSharedDynamoDb } from './runtime';

async function main() {
  const started = Date.now();
  process.stdout.write(
    `aws-auth-service benchmarks${QUICK ? ' (quick: figures are rough)' : ''}: node ${process.version} ${process.arch}\n`,
  );
  const secrets = await generateSecrets('RS256');
  const only = process.argv.slice(2).find((a) => !a.startsWith('--'));
  const es256 = await generateSecrets('ES256');
  const sections: [string, () => Promise<void>][] = [
    ['authorizer', () => benchAuthorizer(secrets, 'RS256')],
    // The same verifier with ES256 keys: the overhead is the same; the floor is 2.7x higher.
    ['authorizer', () => benchAuthorizer(es256, 'ES256')],
    ['cold', () => benchColdStart(secrets)],
    ['latency', () => benchLatency(secrets)],
    ['throughput', () => benchThroughput()],
    ['memory', () => benchMemory()],
    ['capacity', () => benchCapacity(secrets)],
    ['machine', () => benchMachineTokens(secrets)],
    ['peer', () => benchPeer()],
  ];
  if (only && !sections.some(([name]) => name === only)) {
    throw new Error(`no benchmark section ${JSON.stringify(only)}: one of ${[...new Set(sections.map(([n]) => n))].join(', ')}`);
  }
  const chosen = sections.filter(([name]) => !only || only === name);
  // Quick: the sections that start DynamoDB Local or npm start first, so two never end alone.
  const slowFirst = ['peer', 'memory', 'latency', 'throughput', 'capacity', 'machine'];
  const rank = (name: string) => (slowFirst.includes(name) ? slowFirst.indexOf(name) : slowFirst.length);
  if (QUICK) chosen.sort(([a], [b]) => rank(a) - rank(b));
  // A full run measures one section at a time. A quick run, whose figures nobody reads as
  // figures, runs two at once: most of its time is processes and DynamoDB Local starting.
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < chosen.length; i = next++) {
      const [name, run] = chosen[i] as (typeof chosen)[number];
      const at = Date.now();
      process.stdout.write(`\n[${i + 1}/${chosen.length}] ${name}, at ${((at - started) / 1000).toFixed(0)} s\n`);
      await run();
      process.stdout.write(`[${i + 1}/${chosen.length}] ${name} took ${((Date.now() - at) / 1000).toFixed(1)} s\n`);
    }
  };
  await Promise.all(Array.from({ length: QUICK ? 2 : 1 }, worker));
  await stopSharedDynamoDb();
  const seconds = (Date.now() - started) / 1000;
  if (QUICK) {
    process.stdout.write(`\nquick run done in ${seconds.toFixed(0)} s (nothing written)\n`);
    return;
  }
  const file = writeResults({ seconds });
  const charts = await writeCharts();
  process.stdout.write(`\nwritten ${file} and ${charts.length} chart(s) in docs/bench/ (${seconds.toFixed(0)} s)\n`);
}

void main();
