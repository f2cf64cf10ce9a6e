import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import { resolve } from 'node:path';
import { ROUTES } from '../../functions/lib/contract/routes';
import { contractFor } from '../helpers/contract';
import { startLocalRuntime, type LocalRuntime } from '../helpers/local-runtime';

const ROOT = resolve(__dirname, '../..');
let rt: LocalRuntime;
let recorder: Server;
let recorderUrl: string;
/** Every exchange the walk-through made, as its client saw it. */
const exchanges: { method: string; path: string; status: number; body: string }[] = [];

beforeAll(async () => {
  rt = await startLocalRuntime();
  // Between curl and the service: passes every exchange through unchanged, and keeps a copy.
  recorder = createServer((req, res) => {
    const target = new URL(req.url ?? '/', rt.baseUrl);
    const upstream = request(target, { method: req.method, headers: { ...req.headers, host: target.host } }, (answer) => {
      const chunks: Buffer[] = [];
      answer.on('data', (c: Buffer) => chunks.push(c));
      answer.on('end', () => {
        const body = Buffer.concat(chunks);
        exchanges.push({ method: req.method ?? 'GET', path: target.pathname, status: answer.statusCode ?? 0, body: body.toString('utf8') });
        res.writeHead(answer.statusCode ?? 502, answer.headers).end(body);
      });
    });
    upstream.on('error', () => res.writeHead(502).end());
    req.pipe(upstream);
  });
  await new Promise<void>((r) => recorder.listen(0, '127.0.0.1', r));
  recorderUrl = `http://127.0.0.1:${(recorder.address() as { port: number }).port}`;
});
afterAll(async () => {
  recorder?.close();
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
  it('works as written, command by command, against a fresh npm start', async () => {
    // Only the port differs: the README assumes the default 3000.
    const script = walkthrough().replaceAll('http://127.0.0.1:3000', recorderUrl);
    const run = await bash(script, { ...process.env, AUTH_DATA_DIR: rt.dataDir });
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

  it('gets only answers the OpenAPI contract lists, in the shapes it gives, on every route it calls', async () => {
    const check = await contractFor(rt.baseUrl);
    const routes = ROUTES.map((r) => new RegExp(`^${r.method} ${r.path.replace(/\{[^}]+\}/g, '[^/]+')}$`));
    // The service's routes; the local inbox the walk-through reads mails from is not one of them.
    const calls = exchanges.filter((e) => routes.some((re) => re.test(`${e.method} ${e.path}`)));
    expect(calls.length).toBeGreaterThanOrEqual(15);
    for (const e of calls) check(e.method, e.path, e.status, e.body === '' ? undefined : JSON.parse(e.body));
  });
});

/** Runs a bash script without blocking this process (the recorder answers in it). */
function bash(script: string, env: NodeJS.ProcessEnv): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolveRun, reject) => {
    const child = spawn('bash', ['-euo', 'pipefail', '-c', script], { cwd: ROOT, env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('error', reject);
    child.on('close', (status) => {
      clearTimeout(timer);
      resolveRun({ status, stdout, stderr });
    });
  });
}
