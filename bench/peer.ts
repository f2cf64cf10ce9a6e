/**
 * Section 8: this service against a peer, panva's oidc-provider 9.13 (`bench/peer/`), over
 * HTTP on this machine, one server loaded at a time. Both stores are on one in-memory DynamoDB
 * Local (each its own database, by access key); the peer also runs on its own in-memory
 * adapter, which tells the store's cost from the code's. Ratios are ours over the peer's.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { loadOrCreateDynamoDbCredentials, prepareDataDir } from '../local/data-dir';
import { randomDynamoDbCredentials } from '../local/dynamodb-local';
import { benchDynamoDb } from './runtime';
import { DEFAULTS } from '../functions/lib/wiring/config';
import { clientsCli, type LocalRuntime, outputField, startLocalRuntime, tempDataDir } from '../test/helpers/local-runtime';
import { type Call, closedLoop, type LoadResult, send } from './load';
import { QUICK, size, table, type Row } from './lib';
import { latencyChart, throughputChart } from './charts';

/** How long each load runs, in seconds. */
const SECONDS = size(2, 0.25);
/** Refresh's connection counts: 1 and 4 are the targets' (a quick run measures only those). */
const SWEEP = QUICK ? [1, 4] : [1, 2, 4, 8];
/** The deployed bcrypt cost, as the peer's; a quick run, whose figures nobody reads, the lowest. */
const BCRYPT_COST = QUICK ? 10 : DEFAULTS.bcryptCost;
const PASSWORD = 'a benchmark passphrase';
const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();
const FORM = { 'Content-Type': 'application/x-www-form-urlencoded' };
const JSON_BODY = { 'Content-Type': 'application/json' };
const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;

interface Server {
  readonly name: string;
  readonly baseUrl: string;
  readonly pgid: number;
  readonly login: (username: string) => Call;
  readonly refresh: (token: string) => Call;
  /** Where `refresh` and `login` answers keep the refresh token. */
  readonly refreshTokenOf: (body: string) => string;
}

/** Starts the peer (`node bench/peer/oidc-provider.mjs`), in its own process group. */
async function startPeer(env: Record<string, string>): Promise<{ baseUrl: string; pgid: number; stop(): Promise<void> }> {
  const child: ChildProcess = spawn(process.execPath, [join(__dirname, 'peer', 'oidc-provider.mjs')], {
    env: { ...process.env, PORT: '0', PEER_BCRYPT_COST: String(BCRYPT_COST), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let out = '';
  const baseUrl = await new Promise<string>((resolve, reject) => {
    // As long as npm start gets (60 s): a quick run starts it beside other sections on 2 cores.
    const timer = setTimeout(() => reject(new Error(`the peer did not start in 60 s:\n${out}`)), 60_000);
    const read = (d: Buffer) => {
      out += d.toString();
      const ready = /^Ready (\S+)$/m.exec(out);
      if (ready) {
        clearTimeout(timer);
        resolve(ready[1] as string);
      }
    };
    child.stdout?.on('data', read);
    child.stderr?.on('data', read);
    child.once('exit', (code) => reject(new Error(`the peer exited with ${code}:\n${out}`)));
  });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  return {
    baseUrl,
    pgid: child.pid as number,
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      try {
        process.kill(-(child.pid as number), 'SIGTERM');
      } catch {
        return; // gone already
      }
      await exited;
    },
  };
}

const peerServer = (name: string, peer: Awaited<ReturnType<typeof startPeer>>): Server => ({
  name,
  ...peer,
  login: (username) => ({
    method: 'POST',
    path: '/token',
    headers: FORM,
    body: form({ grant_type: 'password', client_id: 'app', username, password: PASSWORD }),
  }),
  refresh: (token) => ({
    method: 'POST',
    path: '/token',
    headers: FORM,
    body: form({ grant_type: 'refresh_token', client_id: 'app', refresh_token: token }),
  }),
  refreshTokenOf: (body) => (JSON.parse(body) as { refresh_token: string }).refresh_token,
});

/** Registers `username` (not measured), in either server's way. */
async function register(server: Server, username: string): Promise<void> {
  const path = server.name === 'ours' ? '/api/auth/register' : '/register';
  const { status } = await send(server.baseUrl, {
    method: 'POST',
    path,
    headers: JSON_BODY,
    body: JSON.stringify({ username, password: PASSWORD }),
  });
  if (status !== 201) throw new Error(`${server.name}: register answered ${status}`);
}

/** Signs in (not measured); a busy machine's 503 or 429 is waited out, a few times. */
async function tokensOf(server: Server, username: string, extra: Record<string, string> = {}) {
  const call = server.login(username);
  for (let attempt = 1; ; attempt++) {
    const { status, body } = await send(server.baseUrl, {
      ...call,
      body: server.name === 'ours' ? call.body : `${call.body}&${form(extra)}`,
    });
    if (status === 200) return JSON.parse(body) as { access_token: string; refresh_token: string };
    if (attempt === 3 || (status !== 429 && status < 500))
      throw new Error(`${server.name}: login of ${username} answered ${status}: ${body}`);
    await new Promise((r) => setTimeout(r, 1_000 * attempt));
  }
}

/** Refresh under load: each connection logs in once (not timed), then rotates its own family. */
const refreshLoad = (server: Server, connections: number) =>
  closedLoop<string>({
    baseUrl: server.baseUrl,
    connections,
    seconds: SECONDS,
    pgid: server.pgid,
    prepare: async (i) => (await tokensOf(server, `load-${i}`)).refresh_token,
    next: (token) => server.refresh(token),
    answered: (token, status, body) => (status === 200 ? server.refreshTokenOf(body) : token),
  });

const fixedLoad = (server: Server, connections: number, call: Call) =>
  closedLoop<undefined>({
    baseUrl: server.baseUrl,
    connections,
    seconds: SECONDS,
    pgid: server.pgid,
    prepare: async () => undefined,
    next: () => call,
  });

const rate = (r: LoadResult) => `${r.rps.toFixed(0)} /s`;
const detail = (r: LoadResult) =>
  `p50 ${r.p50Ms.toFixed(1)} ms${r.cpuMsPerCall === undefined ? '' : `, CPU ${r.cpuMsPerCall.toFixed(2)} ms`}${r.non2xx ? `, ${r.non2xx} non-2xx` : ''}`;

export async function benchPeer(): Promise<void> {
  // One in-memory DynamoDB Local; ours and the peer's each reach their own database.
  const dataDir = await tempDataDir();
  await prepareDataDir(dataDir);
  const ddb = await benchDynamoDb(await loadOrCreateDynamoDbCredentials(dataDir));
  const peerCredentials = randomDynamoDbCredentials();
  const stops: (() => Promise<unknown>)[] = [];
  try {
    // The three servers start side by side; each is stopped in the end even if another failed.
    const started = await Promise.allSettled([
      startLocalRuntime({ dataDir, env: { AUTH_LOCAL_DYNAMODB: ddb.endpoint, AUTH_BCRYPT_COST: String(BCRYPT_COST) } }),
      startPeer({
        PEER_DYNAMODB: ddb.endpoint,
        PEER_TABLE: 'peer',
        PEER_ACCESS_KEY: peerCredentials.accessKeyId,
        PEER_SECRET_KEY: peerCredentials.secretAccessKey,
      }),
      startPeer({}),
    ]);
    for (const r of started.slice(1)) if (r.status === 'fulfilled') stops.push(r.value.stop);
    if (started[0].status === 'fulfilled') stops.push(started[0].value.stop);
    const failed = started.find((r) => r.status === 'rejected');
    if (failed) throw (failed as PromiseRejectedResult).reason;
    const [rt, dbPeer, memPeer] = started.map((r) => (r as PromiseFulfilledResult<unknown>).value) as [
      LocalRuntime,
      Awaited<ReturnType<typeof startPeer>>,
      Awaited<ReturnType<typeof startPeer>>,
    ];
    const ours: Server = {
      name: 'ours',
      baseUrl: rt.baseUrl,
      pgid: rt.pid,
      login: (username) => ({
        method: 'POST',
        path: '/api/auth/login',
        headers: JSON_BODY,
        body: JSON.stringify({ username, password: PASSWORD }),
      }),
      refresh: (token) => ({
        method: 'POST',
        path: '/api/auth/refresh',
        headers: JSON_BODY,
        body: JSON.stringify({ refresh_token: token }),
      }),
      refreshTokenOf: (body) => (JSON.parse(body) as { refresh_token: string }).refresh_token,
    };
    const peerDb = peerServer('peer, DynamoDB', dbPeer);
    const peerMem = peerServer('peer, in memory', memPeer);
    const servers = [ours, peerDb, peerMem];
    await Promise.all(
      servers.map(async (server) => {
        for (let i = 0; i < Math.max(...SWEEP); i++) await register(server, `load-${i}`);
      }),
    );

    // Validation: ours verifies its JWT (revocation read cached); the peer introspects an opaque token (a store read).
    const ourToken = (await tokensOf(ours, 'load-0')).access_token;
    const validateOurs: Call = { method: 'GET', path: '/api/auth/validate', headers: { Authorization: `Bearer ${ourToken}` } };
    const introspect = async (peer: Server): Promise<Call> => ({
      method: 'POST',
      path: '/token/introspection',
      headers: { ...FORM, Authorization: basic('introspector', 'an introspection secret of enough length') },
      body: form({ token: (await tokensOf(peer, 'load-0', { resource: 'urn:bench:opaque' })).access_token }),
    });
    const introspectDb = await introspect(peerDb);
    const introspectMem = await introspect(peerMem);

    // Client credentials: a client made with the CLI for ours; the peer's is in its configuration.
    const made = clientsCli(rt, 'create', 'bench', '--scope', 'ping');
    const ccOurs: Call = {
      method: 'POST',
      path: '/oauth2/token',
      headers: { ...FORM, Authorization: basic(outputField(made, 'client_id'), outputField(made, 'client_secret')) },
      body: form({ grant_type: 'client_credentials' }),
    };
    const ccPeer: Call = {
      method: 'POST',
      path: '/token',
      headers: { ...FORM, Authorization: basic('machine', 'a machine client secret of enough length') },
      body: form({ grant_type: 'client_credentials', scope: 'api' }),
    };

    // A warm-up of refresh on each server, so no JIT is cold when it is measured (not in a quick run).
    if (!QUICK) for (const server of servers) await refreshLoad(server, 1);

    const rows: Row[] = [];
    const compare = (what: string, target: number | undefined, mine: LoadResult, ...peers: [string, LoadResult][]) => {
      const [first] = peers;
      rows.push({
        what,
        measured: rate(mine),
        reference: first ? `${first[0]} ${rate(first[1])}` : '',
        ratio: first && mine.rps / first[1].rps,
        ...(target && first ? { target: `>= x${target.toFixed(2)}`, met: mine.rps / first[1].rps >= target } : {}),
      });
      rows.push({ what: '  ours', measured: detail(mine) });
      for (const [name, r] of peers)
        rows.push({ what: `  ${name}`, measured: detail(r), reference: `x${(mine.rps / r.rps).toFixed(2)} of it` });
    };
    const progress = (what: string) => process.stdout.write(`  ${what}\n`);

    const sweep: { server: string; connections: number; rps: number }[] = [];
    const latencies: { scenario: string; server: string; p50: number; p99: number }[] = [];
    const keep = (scenario: string, measured: [string, LoadResult][]) => {
      for (const [server, r] of measured) latencies.push({ scenario, server, p50: r.p50Ms, p99: r.p99Ms });
    };
    for (const connections of SWEEP) {
      progress(`refresh, ${connections} connection(s)`);
      const mine = await refreshLoad(ours, connections);
      const db = await refreshLoad(peerDb, connections);
      const mem = await refreshLoad(peerMem, connections);
      sweep.push(
        { server: 'ours (DynamoDB Local)', connections, rps: mine.rps },
        { server: 'oidc-provider (DynamoDB Local)', connections, rps: db.rps },
        { server: 'oidc-provider (in memory)', connections, rps: mem.rps },
      );
      if (connections !== 1 && connections !== 4) continue;
      const scenario = `refresh, ${connections} connection${connections > 1 ? 's' : ''}`;
      compare(scenario, 1.5, mine, ['peer on DynamoDB', db], ['peer in memory', mem]);
      keep(scenario, [
        ['ours', mine],
        ['peer, DynamoDB', db],
      ]);
    }
    throughputChart(sweep);
    progress('login, 2 connections');
    {
      const mine = await fixedLoad(ours, 2, ours.login('load-1'));
      const db = await fixedLoad(peerDb, 2, peerDb.login('load-1'));
      compare('login, 2 connections (bcrypt cost 11)', undefined, mine, ['peer on DynamoDB', db]);
      keep('login, 2 connections', [
        ['ours', mine],
        ['peer, DynamoDB', db],
      ]);
    }
    progress('validation, 10 connections');
    {
      const mine = await fixedLoad(ours, 10, validateOurs);
      const db = await fixedLoad(peerDb, 10, introspectDb);
      const mem = await fixedLoad(peerMem, 10, introspectMem);
      compare('validation, 10 connections', undefined, mine, ['peer introspection, DynamoDB', db], ['peer introspection, memory', mem]);
      keep('validation, 10 connections', [
        ['ours', mine],
        ['peer, DynamoDB', db],
        ['peer, in memory', mem],
      ]);
    }
    progress('client credentials, 4 connections');
    {
      const mine = await fixedLoad(ours, 4, ccOurs);
      const db = await fixedLoad(peerDb, 4, ccPeer);
      compare('client credentials token, 4 connections', undefined, mine, ['peer', db]);
      keep('client credentials, 4 connections', [
        ['ours', mine],
        ['peer, DynamoDB', db],
      ]);
    }
    latencyChart(latencies);

    table('8. Against a peer: oidc-provider 9.13 (HTTP on this machine, one in-memory DynamoDB Local)', rows, [
      "Ratios are ours over the peer's answers per second. CPU is the server's process group's, per answer (its DynamoDB Local is not in it).",
      'Refresh: ours is one conditional UpdateItem, then the user read and the audit write side by side; the peer reads the token and its grant, consumes the token and writes its successor.',
      'Validation: ours verifies the JWT (the revocation read is cached 30 s); the peer introspects an opaque token, a store read.',
      "The peer's client-credentials token is a JWT it signs without a store call; ours reads the client's throttle counters (the client record is cached 10 s).",
    ]);
  } finally {
    for (const stop of stops) await stop();
    await ddb.stop();
  }
}
