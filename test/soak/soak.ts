import { rm } from 'node:fs/promises';
import { loadSettings } from '../../functions/lib/wiring/config';
import { rotateKeys } from '../../functions/lib/tokens/key-rotation';
import { dataPaths, fileKeyStore, loadOrCreateDynamoDbCredentials, prepareDataDir } from '../../local/data-dir';
import { type DynamoDbLocal, freePort, startDynamoDbLocal } from '../../local/dynamodb-local';
import { type FaultCounts, type FaultKind, startFaultProxy } from '../faults/fault-proxy';
import { type LocalRuntime, startLocalRuntime, tempDataDir } from '../helpers/local-runtime';
import { Observations } from './observations';
import { VirtualUser } from './virtual-user';

/** How a soak runs. */
export interface SoakOptions {
  readonly durationSeconds: number;
  readonly users: number;
  /** Kills of DynamoDB Local (SIGKILL, then a restart on the same data directory). */
  readonly restarts: number;
  /** One line every few seconds: elapsed time, requests per second, faults so far. */
  readonly onProgress?: (line: string) => void;
}

/** A time span of the soak (ms since it began) in which something was wrong on purpose. */
export interface FaultWindow {
  readonly kind: FaultKind | 'restart';
  readonly start: number;
  readonly end: number;
}

/** A restart of DynamoDB Local, measured. */
export interface Restart {
  readonly killedAt: number;
  /** DynamoDB Local answers again. */
  readonly readyAt: number;
  /** The first successful call that needed DynamoDB, completed after `readyAt`. */
  readonly recoveredAt?: number;
}

/** What a soak leaves for the checker and the report. */
export interface SoakRun {
  readonly options: SoakOptions;
  readonly seen: Observations;
  readonly windows: readonly FaultWindow[];
  readonly restarts: readonly Restart[];
  readonly faults: FaultCounts;
  readonly rotation: { readonly publishedAt?: number; readonly promotedAt?: number; readonly kid?: string };
  readonly graceSeconds: number;
  /** Epoch ms of the soak's time 0. */
  readonly t0: number;
  /** The base URL, while the soak's service still runs (until `stop`). */
  readonly baseUrl: string;
  /** DynamoDB Local, directly (not through the fault proxy), for the checker. */
  readonly dynamodb: { readonly endpoint: string; readonly credentials: DynamoDbLocal['credentials'] };
  /** Stops the service, the proxy and DynamoDB Local, and removes the data. */
  stop(): Promise<void>;
}

/** Faults in the order the schedule injects them, each a window with this share of requests hit. */
const SCHEDULE: { kind: FaultKind; probability: number; delayMs?: number }[] = [
  { kind: 'lost_answer', probability: 0.25 },
  { kind: 'latency', probability: 0.2, delayMs: 3_500 },
  { kind: 'throttled', probability: 0.3 },
  { kind: 'reset', probability: 0.2 },
  { kind: 'throughput_exceeded', probability: 0.3 },
  { kind: 'server_error', probability: 0.2 },
];
/** The key cache of every signer and verifier in the soak: the rotation waits twice this between publishing and signing. */
const KEYS_CACHE_TTL_SECONDS = 3;

/**
 * A bounded load run against `npm start` (`local/start.ts`), whose DynamoDB Local this process
 * runs behind the fault proxy, so it can inject faults and kill and restart it. Traffic stays on
 * 127.0.0.1; everything stops by itself after `durationSeconds`.
 *
 * The timeline: a quiet first tenth; then a fault window of each kind in turn (3 s each, about
 * a fifth of requests hit), the restarts spread evenly, one key rotation (published, then
 * promoted twice the key cache TTL later); a quiet last tenth, so the end state is settled.
 */
export async function runSoak(options: SoakOptions): Promise<SoakRun> {
  const dataDir = await tempDataDir();
  await prepareDataDir(dataDir);
  const credentials = await loadOrCreateDynamoDbCredentials(dataDir);
  const port = await freePort();
  const dbPath = dataPaths(dataDir).dynamodb;
  let ddb = await startDynamoDbLocal({ port, dataDir: dbPath, credentials });
  const proxy = await startFaultProxy(ddb.endpoint);
  let runtime: LocalRuntime | undefined;
  const stop = async () => {
    await runtime?.stop();
    await proxy.stop();
    await ddb.stop();
    await rm(dataDir, { recursive: true, force: true });
  };
  try {
    runtime = await startLocalRuntime({
      dataDir,
      env: {
        AUTH_LOCAL_DYNAMODB: proxy.url,
        AUTH_KEYS_CACHE_TTL_SECONDS: String(KEYS_CACHE_TTL_SECONDS),
        // The access log and the functions' lines would be most of the soak's CPU.
        POWERTOOLS_LOG_LEVEL: 'ERROR',
      },
    });
    const settings = loadSettings({});
    const seen = new Observations();
    const t0 = Date.now();
    const clock = () => Date.now() - t0;
    const duration = options.durationSeconds * 1000;
    const windows: FaultWindow[] = [];
    const restarts: Restart[] = [];
    const rotation: { publishedAt?: number; promotedAt?: number; kid?: string } = {};
    const timers: Promise<void>[] = [];
    const at = (ms: number, task: () => Promise<void>) =>
      timers.push(new Promise<void>((resolve) => setTimeout(() => void task().then(resolve, resolve), ms)));

    // The faults, in turn, between the quiet tenth at each end.
    const first = duration * 0.1;
    const last = duration * 0.9;
    const windowMs = 3_000;
    const slots = Math.max(SCHEDULE.length, Math.floor((last - first) / 6_000));
    for (let i = 0; i < slots; i++) {
      const fault = SCHEDULE[i % SCHEDULE.length] as (typeof SCHEDULE)[number];
      const start = first + ((last - first - windowMs) * i) / Math.max(1, slots - 1);
      at(start, async () => {
        const s = clock();
        proxy.inject({ kind: fault.kind, probability: fault.probability, forMs: windowMs, delayMs: fault.delayMs });
        windows.push({ kind: fault.kind, start: s, end: s + windowMs + (fault.delayMs ?? 0) });
      });
    }
    // The restarts: a kill while the load runs, and the same data directory on the same port.
    for (let i = 1; i <= options.restarts; i++) {
      at(first + ((last - first) * i) / (options.restarts + 1) + 1_500, async () => {
        const killedAt = clock();
        await ddb.kill();
        ddb = await startDynamoDbLocal({ port, dataDir: dbPath, credentials });
        const readyAt = clock();
        windows.push({ kind: 'restart', start: killedAt, end: readyAt });
        restarts.push({ killedAt, readyAt });
      });
    }
    // One key rotation with the real rotation logic, on a fast schedule.
    const store = fileKeyStore(dataPaths(dataDir).secrets);
    const policy = {
      rotationIntervalSeconds: 0,
      publishLeadSeconds: 2 * KEYS_CACHE_TTL_SECONDS,
      retireAfterSeconds: KEYS_CACHE_TTL_SECONDS + settings.accessTokenTtlSeconds + settings.clockToleranceSeconds,
    };
    const rotateAt = duration * 0.45;
    at(rotateAt, async () => {
      const outcome = await rotateKeys(store, Math.floor(Date.now() / 1000), policy);
      rotation.publishedAt = clock();
      rotation.kid = outcome.kid;
    });
    at(rotateAt + (policy.publishLeadSeconds + 1) * 1000, async () => {
      const outcome = await rotateKeys(store, Math.floor(Date.now() / 1000), policy);
      if (outcome.action === 'promoted') rotation.promotedAt = clock();
    });

    const progress = setInterval(() => options.onProgress?.(progressLine(clock(), duration, seen, proxy.counts(), restarts)), 5_000);
    const baseUrl = runtime.baseUrl;
    const users = Array.from(
      { length: options.users },
      (_, i) => new VirtualUser(i, { baseUrl, seen, clock, until: duration, graceSeconds: settings.refreshGraceSeconds }),
    );
    await Promise.all(users.map((u) => u.run()));
    await Promise.all(timers);
    clearInterval(progress);
    options.onProgress?.(progressLine(clock(), duration, seen, proxy.counts(), restarts));

    const dbOps = new Set(['login', 'refresh', 'logout', 'password']);
    const measured = restarts.map((r) => ({
      ...r,
      recoveredAt: Math.min(
        ...seen.calls.filter((c) => dbOps.has(c.op) && c.status >= 200 && c.status < 300 && c.end > r.readyAt).map((c) => c.end),
      ),
    }));
    return {
      options,
      seen,
      windows,
      restarts: measured,
      faults: proxy.counts(),
      rotation,
      graceSeconds: settings.refreshGraceSeconds,
      t0,
      baseUrl,
      dynamodb: { endpoint: ddb.endpoint, credentials },
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

function progressLine(elapsed: number, duration: number, seen: Observations, faults: FaultCounts, restarts: readonly Restart[]): string {
  const recent = seen.calls.filter((c) => c.end > elapsed - 5_000).length / 5;
  const unavailable = seen.calls.filter((c) => c.status === 503).length;
  const injected = (['latency', 'reset', 'lost_answer', 'throttled', 'throughput_exceeded', 'server_error'] as const)
    .map((k) => `${k} ${faults[k]}`)
    .join(', ');
  return (
    `[${String(Math.round(elapsed / 1000)).padStart(4)} s / ${Math.round(duration / 1000)} s] ` +
    `${String(Math.round(recent)).padStart(4)} req/s, ${seen.calls.length} requests, ${unavailable} answered 503; ` +
    `faults: ${injected}; restarts ${restarts.length}`
  );
}
