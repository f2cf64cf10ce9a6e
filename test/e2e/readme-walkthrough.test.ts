import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { startLocalRuntime, type LocalRuntime } from '../helpers/local-runtime';

const ROOT = resolve(__dirname, '../..');
let rt: LocalRuntime;

beforeAll(async () => {
  rt = await startLocalRuntime();
});
afterAll(async () => {
  await rt?.stop();
});

/** The shell block between the walkthrough markers of README.md. */
function walkthrough(): string {
  const readme = readFileSync(resolve(ROOT, 'README.md'), 'utf8');
  const section = /<!-- walkthrough:start -->\s*```sh\n([\s\S]*?)```\s*<!-- walkthrough:end -->/.exec(readme);
  if (!section?.[1]) throw new Error('README.md has no walkthrough block');
  return section[1];
}

describe('the README walk-through', () => {
  it('works as written, command by command, against a fresh npm start', () => {
    // Only the port differs: the README assumes the default 3000.
    const script = walkthrough().replaceAll('http://127.0.0.1:3000', rt.baseUrl);
    const run = spawnSync('bash', ['-euo', 'pipefail', '-c', script], {
      cwd: ROOT,
      env: { ...process.env, AUTH_DATA_DIR: rt.dataDir },
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(run.status).toBe(0);
    const lines = run.stdout.trim().split('\n');
    expect(lines).toEqual([
      expect.stringMatching(/^\{"sub":".+","username":"alice","roles":\["user"\]\}$/),
      expect.stringMatching(/^\{"sub":".+","username":"alice","roles":\["user"\]\}$/),
      expect.stringMatching(/^\{"active":true,.*"username":"alice"/),
      expect.stringMatching(/"error":"access_denied".* 403$/),
      '204',
      expect.stringMatching(/"error":"invalid_grant"/),
      expect.stringMatching(/^created root/),
      expect.stringMatching(/"error":"mfa_enrollment_required".* 403$/),
      '10 recovery codes, shown once',
      expect.stringMatching(/"username":"root","roles":\["admin","user"\]/),
      '["pwd","otp","mfa"]',
      '204',
      '{"status":"accepted","message":"if the account has a verified address, a reset link is on its way"}',
      '204',
      'Bearer',
    ]);
  });
});
