import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { freePort } from '../../local/dynamodb-local';
import { contractFor } from './contract';
import { totpCode } from '../../functions/lib/domain/totp';

const ROOT = resolve(__dirname, '../..');
const TSX = require.resolve('tsx/cli');

/** A running `npm start`, as a child process of the test. */
export interface LocalRuntime {
  /** The runtime's process; it leads its own process group (DynamoDB Local is in it too). */
  readonly pid: number;
  readonly baseUrl: string;
  readonly port: number;
  readonly dataDir: string;
  output(): string;
  stop(): Promise<number | null>;
}

/** A fresh data directory. */
export const tempDataDir = () => mkdtemp(join(tmpdir(), 'auth-e2e-'));

/** Runs `local/start.ts` (what `npm start` runs) and waits for its ready line. */
export async function startLocalRuntime(
  opts: { dataDir?: string; port?: number; args?: string[]; env?: Record<string, string> } = {},
): Promise<LocalRuntime> {
  const port = opts.port ?? (await freePort());
  const dataDir = opts.dataDir ?? (await tempDataDir());
  const child: ChildProcess = spawn(process.execPath, [TSX, 'local/start.ts', ...(opts.args ?? [])], {
    cwd: ROOT,
    // bcrypt at the lowest cost the config allows: the flows are the same, at half the CPU.
    env: { ...process.env, AUTH_BCRYPT_COST: '10', PORT: String(port), AUTH_DATA_DIR: dataDir, ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let out = '';
  // The newest megabyte at most: a long load run logs a line for every request.
  const keep = (d: Buffer) => {
    out += d.toString();
    if (out.length > 2_000_000) out = out.slice(-1_000_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  const baseUrl = `http://127.0.0.1:${port}`;

  await new Promise<void>((resolveReady, reject) => {
    const timer = setTimeout(() => reject(new Error(`local runtime not ready in 60 s:\n${out}`)), 60_000);
    const check = () => {
      if (out.split('\n').some((l) => l.startsWith('Ready') && l.includes(baseUrl))) {
        clearTimeout(timer);
        child.stdout?.off('data', check);
        resolveReady();
      }
    };
    child.stdout?.on('data', check);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`local runtime exited with ${code}:\n${out}`));
    });
  });

  return {
    pid: child.pid as number,
    baseUrl,
    port,
    dataDir,
    output: () => out,
    stop: async () => {
      if (child.exitCode === null) process.kill(-(child.pid as number), 'SIGTERM');
      return exited;
    },
  };
}

/** Runs `local/start.ts` expecting it to fail; returns its exit code and output. */
export function runStartExpectingFailure(
  env: Record<string, string>,
  args: string[] = [],
): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [TSX, 'local/start.ts', ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Runs the admin CLI (`npm run users -- ...`) with `input` on stdin. */
export function runUsersCli(
  args: string[],
  env: Record<string, string>,
  input = '',
): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [TSX, 'local/users-cli.ts', ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    input,
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A JSON request to the runtime. */
export async function call(
  baseUrl: string,
  method: string,
  path: string,
  opts: { token?: string; body?: unknown; headers?: Record<string, string> } = {},
) {
  const res = await fetch(`${baseUrl}${path}`, {
    method,
    headers: {
      ...(opts.body !== undefined && { 'Content-Type': 'application/json' }),
      ...(opts.token !== undefined && { Authorization: `Bearer ${opts.token}` }),
      ...opts.headers,
    },
    ...(opts.body !== undefined && { body: typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body) }),
  });
  const text = await res.text();
  let body: Record<string, unknown> = {};
  try {
    body = text ? (JSON.parse(text) as Record<string, unknown>) : {};
  } catch {
    body = { raw: text };
  }
  // Every answer must match the contract the runtime publishes.
  if (path !== '/openapi.json') (await contractFor(baseUrl))(method, path.split('?')[0] as string, res.status, body);
  return { status: res.status, headers: res.headers, body };
}

/** Checks that java is gone after a stop (no orphaned DynamoDB Local of this data dir). */
export function dynamoDbLocalRunningFor(dataDir: string): boolean {
  const r = spawnSync('pgrep', ['-f', `DynamoDBLocal.jar -dbPath ${dataDir}`], { encoding: 'utf8' });
  return r.status === 0;
}

/** `npm run users -- clients ...` against a runtime's data directory; fails the test on a non-zero exit. */
export function clientsCli(rt: Pick<LocalRuntime, 'dataDir'>, ...args: string[]): string {
  const r = runUsersCli(['clients', ...args], { AUTH_DATA_DIR: rt.dataDir });
  if (r.status !== 0) throw new Error(`clients ${args.join(' ')} failed: ${r.stderr}`);
  return r.stdout;
}

/** One `name  value` line of the clients commands' output (client_id, client_secret, ...). */
export const outputField = (out: string, name: string) => new RegExp(`^${name} +(\\S+)$`, 'm').exec(out)?.[1] as string;

/** A user signed in with TOTP: a token whose `amr` has `mfa`, the session's refresh token, the TOTP secret and the recovery codes. */
export interface SecondFactorSession {
  readonly access_token: string;
  readonly refresh_token: string;
  readonly secret: string;
  readonly recovery_codes: string[];
}

/**
 * Signs in a user who has no second factor yet (an admin must enrol one before anything else),
 * enrols TOTP as the walk-through does, and answers the session with the second factor in it.
 */
export async function signInEnrollingTotp(baseUrl: string, username: string, password: string): Promise<SecondFactorSession> {
  const login = await call(baseUrl, 'POST', '/api/auth/login', { body: { username, password } });
  if (login.status !== 200) throw new Error(`login of ${username} answered ${login.status}: ${JSON.stringify(login.body)}`);
  const token = login.body.access_token as string;
  const started = await call(baseUrl, 'POST', '/api/auth/mfa/totp', { token });
  const secret = started.body.secret as string;
  const confirmed = await call(baseUrl, 'POST', '/api/auth/mfa/totp/confirm', { token, body: { code: totpCode(secret, Date.now()) } });
  if (confirmed.status !== 200) throw new Error(`TOTP confirmation answered ${confirmed.status}: ${JSON.stringify(confirmed.body)}`);
  return {
    access_token: confirmed.body.access_token as string,
    refresh_token: login.body.refresh_token as string,
    secret,
    recovery_codes: confirmed.body.recovery_codes as string[],
  };
}

/** A mail the runtime's local inbox received. */
export interface ReceivedMail {
  readonly to: string[];
  readonly subject: string;
  readonly text: string;
  readonly html: string;
}

/** The local inbox of a runtime, from the URL its banner prints. */
export function inboxOf(rt: Pick<LocalRuntime, 'output'>) {
  const url = /^Inbox +(http:\/\/127\.0\.0\.1:\d+\/inbox)\//m.exec(rt.output())?.[1];
  if (!url) throw new Error('the runtime printed no inbox URL');
  const messages = async (): Promise<ReceivedMail[]> =>
    ((await (await fetch(`${url}/api/messages`)).json()) as { messages: ReceivedMail[] }).messages;
  return {
    url,
    messages,
    /** The newest mail to `to` whose subject holds `subject`, once there are `count` of them (within 10 s). */
    async next(to: string, subject: string, count = 1): Promise<ReceivedMail> {
      for (let i = 0; i < 100; i++) {
        const all = (await messages()).filter((m) => m.to.includes(to) && m.subject.includes(subject));
        if (all.length >= count) return all[0] as ReceivedMail;
        await new Promise((r) => setTimeout(r, 100));
      }
      throw new Error(`no mail "${subject}" to ${to} within 10 s`);
    },
    /** The token of a mail's link (its URL fragment). */
    tokenOf: (mail: ReceivedMail) => /#token=([A-Za-z0-9_-]+)/.exec(mail.text)?.[1] as string,
  };
}
