/**
 * `npm test` starts here. DynamoDB Local needs Java 17 or later, the browser tests Debian's
 * Chromium, and the security tests `ss`. If one is missing, the run stops at once with one line
 * that names what is missing and how to install it, instead of failing deep inside a suite.
 * (`.ci/run` installs all three.)
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { hasJava } from '../local/dynamodb-local';
import { CHROMIUM } from './helpers/browser';

const PREREQUISITES: { what: string; present: () => boolean; install: string }[] = [
  { what: 'Java 17 or later (DynamoDB Local runs on it)', present: hasJava, install: 'apt-get install -y openjdk-17-jre-headless' },
  { what: `Chromium at ${CHROMIUM} (the browser tests)`, present: () => existsSync(CHROMIUM), install: 'apt-get install -y chromium' },
  {
    what: 'ss (the security tests list listening sockets)',
    present: () => spawnSync('ss', ['-V']).status === 0,
    install: 'apt-get install -y iproute2',
  },
];

const missing = PREREQUISITES.filter((p) => !p.present());
if (missing.length > 0) {
  process.stderr.write(`npm test needs ${missing.map((m) => `${m.what}: ${m.install}`).join('; and ')}\n`);
  process.exit(1);
}
