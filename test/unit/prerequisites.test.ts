import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';

const ROOT = resolve(__dirname, '../..');
const check = (env: NodeJS.ProcessEnv) =>
  spawnSync(process.execPath, [require.resolve('tsx/cli'), 'test/prerequisites.ts'], { cwd: ROOT, env, encoding: 'utf8', timeout: 30_000 });

describe('the prerequisites npm test checks first', () => {
  it('say nothing when everything is there', () => {
    const r = check(process.env);
    expect([r.status, r.stderr]).toEqual([0, '']);
  });

  it('stop with one line that names each missing one and its install command', () => {
    // With no PATH, neither java nor ss can be found (Chromium is a file: it is still there).
    const r = check({ ...process.env, PATH: '/nonexistent' });
    expect(r.status).toBe(1);
    expect(r.stderr.trim().split('\n')).toEqual([
      'npm test needs Java 17 or later (DynamoDB Local runs on it): apt-get install -y openjdk-17-jre-headless; and ss (the security tests list listening sockets): apt-get install -y iproute2',
    ]);
  });
});
