import { execFileSync } from 'node:child_process';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { DynamoDBClient, GetItemCommand, ListTablesCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { LOCAL_TABLES } from '../../local/dynamodb-tables';
import { connect } from 'node:net';
import { call, runUsersCli, startLocalRuntime, type LocalRuntime, signInEnrollingTotp } from '../helpers/local-runtime';

/**
 * The findings of the security review (shared/reviews/security.md), each proven against the
 * running service over HTTP or its sockets.
 */
const PASSWORD = 'a review passphrase';
let rt: LocalRuntime;

beforeAll(async () => {
  rt = await startLocalRuntime({
    env: { AUTH_AUTHORIZER_CACHE_TTL_SECONDS: '1', AUTH_REVOCATION_CACHE_SECONDS: '1', AUTH_KEYS_CACHE_TTL_SECONDS: '1' },
  });
  expect((await call(rt.baseUrl, 'POST', '/api/auth/register', { body: { username: 'dora', password: PASSWORD } })).status).toBe(201);
});
afterAll(() => rt?.stop());

/** Listening TCP sockets of the runtime's process group, from `ss -ltnp`. */
function listenersOf(pgid: number): { address: string; port: number; pid: number }[] {
  const members = new Set(
    execFileSync('ps', ['-eo', 'pid=,pgid='], { encoding: 'utf8' })
      .split('\n')
      .map((l) => l.trim().split(/\s+/).map(Number))
      .filter(([, g]) => g === pgid)
      .map(([p]) => p as number),
  );
  const out = execFileSync('ss', ['-Hltnp'], { encoding: 'utf8' });
  const listeners: { address: string; port: number; pid: number }[] = [];
  for (const line of out.split('\n')) {
    const local = line.trim().split(/\s+/)[3];
    const pid = Number(/pid=(\d+)/.exec(line)?.[1]);
    if (!local || !members.has(pid)) continue;
    const cut = local.lastIndexOf(':');
    listeners.push({ address: local.slice(0, cut), port: Number(local.slice(cut + 1)), pid });
  }
  return listeners;
}
const isLoopback = (address: string) => /^(127\.|\[::1\]$|\[::ffff:127\.)/.test(address);

describe('finding 1: the local runtime exposes no data beyond loopback', () => {
  it('serves HTTP on loopback only, and every other listener refuses strangers the service tables', async () => {
    const listeners = listenersOf(rt.pid);
    // The gateway: bound to 127.0.0.1.
    expect(listeners.find((l) => l.port === rt.port)).toMatchObject({ address: '127.0.0.1' });
    const exposed = listeners.filter((l) => !isLoopback(l.address));
    for (const { port } of exposed) {
      // Traffic only to loopback: the socket is the same one that listens on every interface.
      const stranger = new DynamoDBClient({
        endpoint: `http://127.0.0.1:${port}`,
        region: 'local',
        credentials: { accessKeyId: 'madeup', secretAccessKey: 'madeup' },
        maxAttempts: 1,
      });
      const names = (await stranger.send(new ListTablesCommand({}))).TableNames ?? [];
      expect(names.filter((n) => Object.values(LOCAL_TABLES).includes(n as never))).toEqual([]);
      const users = { TableName: LOCAL_TABLES.usersTable };
      await expect(stranger.send(new GetItemCommand({ ...users, Key: { username: { S: 'dora' } } }))).rejects.toMatchObject({
        name: 'ResourceNotFoundException',
      });
      await expect(
        stranger.send(new PutItemCommand({ ...users, Item: { username: { S: 'dora' }, roles: { L: [{ S: 'admin' }] } } })),
      ).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
      stranger.destroy();
    }
    // A positive control: with the runtime's own key (mode 0600 in the data directory), the
    // same port holds the users.
    const keyFile = join(rt.dataDir, 'dynamodb-credentials.json');
    expect((await stat(keyFile)).mode & 0o777).toBe(0o600);
    const owner = new DynamoDBClient({
      endpoint: `http://127.0.0.1:${exposed[0]?.port}`,
      region: 'local',
      credentials: JSON.parse(await readFile(keyFile, 'utf8')),
    });
    expect(exposed.length).toBeGreaterThan(0);
    expect((await owner.send(new ListTablesCommand({}))).TableNames).toEqual(expect.arrayContaining([LOCAL_TABLES.usersTable]));
    owner.destroy();
    // Dora is still exactly as she signed up.
    const login = await call(rt.baseUrl, 'POST', '/api/auth/login', { body: { username: 'dora', password: PASSWORD } });
    expect(login.status).toBe(200);
  });
});

const cli = (...args: string[]) => runUsersCli(args, { AUTH_DATA_DIR: rt.dataDir }, `${PASSWORD}\n`);
const loginAs = async (username: string) =>
  (await call(rt.baseUrl, 'POST', '/api/auth/login', { body: { username, password: PASSWORD } })).body.access_token as string;
/** An admin's token: their first sign-in enrols the second factor that admin routes need. */
const adminToken = async (username: string) => (await signInEnrollingTotp(rt.baseUrl, username, PASSWORD)).access_token;
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('findings 2, 3 and 11 over HTTP and through the CLI', () => {
  it('refuses a role that breaks the role grammar in the CLI', () => {
    const weird = cli('create', 'weird', '--role', 'user,admin');
    expect(weird.status).toBe(1);
    expect(weird.stderr).toMatch(/^error: role "user,admin" must be/);
  });

  it("ends a demoted admin's admin access within the cache bound: 403 on admin routes, and the role cannot come back", async () => {
    expect(cli('create', 'chief', '--role', 'admin', '--role', 'user').status).toBe(0);
    expect(cli('create', 'deputy', '--role', 'admin', '--role', 'user').status).toBe(0);
    const token = await adminToken('chief');
    expect((await call(rt.baseUrl, 'GET', '/api/admin/users', { token })).status).toBe(200);

    expect(cli('set-roles', 'chief', 'user').status).toBe(0);
    await pause(2200); // the authorizer cache (1 s) and the revocation cache (1 s)
    expect((await call(rt.baseUrl, 'GET', '/api/admin/users', { token })).status).toBe(403);
    const back = await call(rt.baseUrl, 'PUT', '/api/admin/users/chief/roles', { token, body: { roles: ['admin', 'user'] } });
    expect(back.status).toBe(403);
    const made = await call(rt.baseUrl, 'POST', '/api/admin/users', {
      token,
      body: { username: 'backdoor', password: PASSWORD, roles: ['admin'] },
    });
    expect(made.status).toBe(403);
    expect((await call(rt.baseUrl, 'GET', '/api/me', { token })).body).toMatchObject({ username: 'chief', roles: ['user'] });
  });

  it('refuses to disable or demote the last active admin (409 last_admin over HTTP), unless the CLI is told --force', async () => {
    const token = await adminToken('deputy');
    const self = await call(rt.baseUrl, 'POST', '/api/admin/users/deputy/disable', { token });
    expect(self.status).toBe(409);
    expect(self.body.error).toBe('last_admin');
    const demote = cli('set-roles', 'deputy', 'user');
    expect(demote.status).toBe(1);
    expect(demote.stderr).toContain('last active admin');
    expect(cli('disable', 'deputy').status).toBe(1);
    expect(cli('set-roles', 'deputy', 'user', '--force').status).toBe(0);
    expect(cli('set-roles', 'deputy', 'admin', 'user').status).toBe(0);
  });
});

/** Sends raw bytes to the runtime and reads everything it answers until it closes the connection. */
const rawAnswer = (request: string) =>
  new Promise<string>((resolve) => {
    const socket = connect(rt.port, '127.0.0.1');
    let data = '';
    socket.on('data', (d) => (data += d.toString()));
    socket.on('close', () => resolve(data));
    socket.on('error', () => resolve(data));
    socket.write(request);
  });

describe('finding 6: no request stops npm start', () => {
  it('answers a malformed percent-encoding and an unparsable target with JSON, and keeps serving', async () => {
    const token = await loginAs('dora');
    const bad = await fetch(`${rt.baseUrl}/api/auth/sessions/%E0%A4%A`, {
      method: 'DELETE',
      headers: { Authorization: `Bearer ${token}` },
    });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ error: 'invalid_request' });
    const raw = await rawAnswer('GET //[ HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    expect(raw).toMatch(/^HTTP\/1\.1 4\d\d /);
    expect(JSON.parse(raw.slice(raw.indexOf('\r\n\r\n') + 4))).toMatchObject({ error: expect.any(String) });
    const broken = await rawAnswer('GET /a b c\r\n\r\n');
    expect(broken).toMatch(/^HTTP\/1\.1 400 /);
    expect((await call(rt.baseUrl, 'GET', '/api/me', { token })).status).toBe(200);
  });
});

// Last: it replaces the runtime's signing key.
describe('finding 15: emergency key revocation', () => {
  it('retires a compromised signing key with one CLI command: its tokens stop working, new logins work', async () => {
    const token = await loginAs('dora');
    expect((await call(rt.baseUrl, 'GET', '/api/me', { token })).status).toBe(200);
    const listed = cli('keys');
    expect(listed.status).toBe(0);
    const kid = /^(\S+)\s+signing/m.exec(listed.stdout)?.[1] as string;
    expect(kid).toEqual(expect.any(String));

    const revoked = cli('revoke-key', kid);
    expect(revoked.status).toBe(0);
    expect(revoked.stdout).toContain(`revoked ${kid}`);
    await pause(2200); // the key caches (1 s) and the authorizer cache (1 s)
    expect((await call(rt.baseUrl, 'GET', '/api/me', { token })).status).toBe(401);
    expect((await call(rt.baseUrl, 'GET', '/api/auth/validate', { token })).status).toBe(401);
    const fresh = await loginAs('dora');
    expect((await call(rt.baseUrl, 'GET', '/api/me', { token: fresh })).status).toBe(200);
    expect(cli('keys').stdout).not.toContain(kid);
  });
});
