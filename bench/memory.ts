/** Target 5: each function's peak RSS after many warm invocations, each in a fresh process. */
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { benchDynamoDb } from './runtime';
import { QUICK, size, table } from './lib';

const TSX = require.resolve('tsx/cli');

export async function benchMemory(): Promise<void> {
  const ddb = await benchDynamoDb();
  try {
    const runs: [string, number][] = [
      ['authorizer', size(10_000, 300)],
      ['validate', size(10_000, 300)],
      ['jwks', size(10_000, 300)],
      ['me', size(10_000, 300)],
      // Each a few DynamoDB round trips: 4 000 calls show whether memory grows, in a quarter of a minute.
      ['refresh', size(4_000, 300)],
      ['logout', size(4_000, 300)],
      // bcrypt-bound (60 ms a call at cost 10): fewer calls keep the whole run under 4 minutes.
      ['login', size(150, 10)],
    ];
    // Quick: one function of each kind (the authorizer, a DynamoDB flow, bcrypt).
    const chosen = QUICK ? runs.filter(([name]) => ['authorizer', 'refresh', 'login'].includes(name)) : runs;
    const rows = chosen.map(([name, count]) => {
      const r = spawnSync(process.execPath, [TSX, resolve(__dirname, 'fixtures/memory-child.ts'), name, String(count), ddb.endpoint], {
        encoding: 'utf8',
        timeout: 240_000,
        // The child reaches this instance's one database with its key, from the environment.
        env: { ...process.env, AWS_ACCESS_KEY_ID: ddb.credentials.accessKeyId, AWS_SECRET_ACCESS_KEY: ddb.credentials.secretAccessKey },
      });
      if (r.status !== 0) throw new Error(`memory run of ${name} failed: ${r.stderr}`);
      const m = JSON.parse(r.stdout) as { peakRssMb: number; afterWarmupMb: number; heapUsedMb: number };
      return {
        what: `${name}, ${count} warm invocations`,
        measured: `peak ${m.peakRssMb.toFixed(0)} MB`,
        reference: `after warm-up ${m.afterWarmupMb.toFixed(0)} MB`,
        ratio: m.peakRssMb / m.afterWarmupMb,
        target: 'bounded (no growth)',
        met: m.peakRssMb / m.afterWarmupMb < 1.5,
      };
    });
    table('5. Memory (peak RSS of a fresh process running one function warm; includes tsx and the test fixtures)', rows, [
      'The authorizer sees 12 000 distinct tokens: more than its 10 000-entry verified-token cache holds.',
    ]);
  } finally {
    await ddb.stop();
  }
}
