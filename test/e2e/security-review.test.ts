import { execFileSync } from 'node:child_process';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { DynamoDBClient, GetItemCommand, ListTablesCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { LOCAL_TABLES } from '../../local/local-tables';
import { call, startLocalRuntime, type LocalRuntime } from '../helpers/local-runtime';

/**
 * The findings of the security review (shared/reviews/security.md), each proven against the
 * running service over HTTP or its sockets.
 */
const PASSWORD = 'a review passphrase';
let rt: LocalRuntime;

beforeAll(async () => {
  rt = await startLocalRuntime({ env: { AUTH_AUTHORIZER_CACHE_TTL_SECONDS: '1', AUTH_REVOCATION_CACHE_SECONDS: '1' } });
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
