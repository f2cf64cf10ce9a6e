/**
 * `npm run bench`: every performance target, each as a ratio measured side by side in one run,
 * printed as tables and written to bench/results/. See BENCHMARKS.md.
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
import { writeResults } from './lib';

async function main() {
  const started = Date.now();
  process.stdout.write(`aws-auth-service benchmarks: node ${process.version} ${process.arch}\n`);
  const secrets = await generateSecrets('RS256');
  const only = process.argv[2];
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
  ];
  if (only && !sections.some(([name]) => name === only)) {
    throw new Error(`no benchmark section ${JSON.stringify(only)}: one of ${[...new Set(sections.map(([n]) => n))].join(', ')}`);
  }
  for (const [name, run] of sections) if (!only || only === name) await run();
  const file = writeResults({ seconds: (Date.now() - started) / 1000 });
  process.stdout.write(`\nwritten ${file} (${((Date.now() - started) / 1000).toFixed(0)} s)\n`);
}

void main();
