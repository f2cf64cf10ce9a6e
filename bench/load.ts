/**
 * A closed-loop load generator for the peer comparison: `connections` loops on keep-alive
 * sockets, each with its own state (its own token family), sending the next request as soon as
 * the last is answered. autocannon cannot keep a state per connection (it resets a connection's
 * context after each pass over its requests), and a refresh family must not be shared.
 * Traffic goes to loopback addresses only, and every run stops after `seconds`.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { median } from './lib';

export interface Call {
  readonly method: 'GET' | 'POST';
  readonly path: string;
  readonly headers?: Record<string, string>;
  readonly body?: string;
}

export interface LoadResult {
  /** Answers per second. */
  readonly rps: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly non2xx: number;
  /** CPU of the server's process group per answer, in ms (Linux `/proc`; undefined elsewhere). */
  readonly cpuMsPerCall?: number;
}

/** One HTTP exchange on `agent`: the status and the body as text. */
export function send(baseUrl: string, call: Call, agent?: Agent): Promise<{ status: number; body: string }> {
  const url = new URL(call.path, baseUrl);
  if (!/^127\./.test(url.hostname)) throw new Error(`load goes to loopback addresses only, not ${url.hostname}`);
  return new Promise((resolve, reject) => {
    const req = request(url, { method: call.method, headers: call.headers, agent }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => {
        body += d;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end(call.body);
  });
}

/**
 * Runs `connections` loops for `seconds`. Each loop first gets its state from `prepare` (not
 * timed), then sends `next(state)` and passes each answer to `answered`, which returns the
 * next state.
 */
export async function closedLoop<S>(opts: {
  readonly baseUrl: string;
  readonly connections: number;
  readonly seconds: number;
  /** The server's process group, for its CPU per answer. */
  readonly pgid?: number;
  prepare(connection: number): Promise<S>;
  next(state: S): Call;
  answered?(state: S, status: number, body: string): S;
}): Promise<LoadResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: opts.connections });
  const states: S[] = await Promise.all(Array.from({ length: opts.connections }, (_, i) => opts.prepare(i)));
  const times: number[] = [];
  let non2xx = 0;
  const cpuBefore = opts.pgid === undefined ? undefined : groupCpuMs(opts.pgid);
  const started = performance.now();
  const until = started + opts.seconds * 1000;
  await Promise.all(
    states.map(async (initial) => {
      let state = initial;
      while (performance.now() < until) {
        const t0 = performance.now();
        const { status, body } = await send(opts.baseUrl, opts.next(state), agent);
        times.push(performance.now() - t0);
        if (status < 200 || status > 299) non2xx++;
        if (opts.answered) state = opts.answered(state, status, body);
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  agent.destroy();
  const cpuAfter = opts.pgid === undefined ? undefined : groupCpuMs(opts.pgid);
  const cpu = cpuBefore === undefined || cpuAfter === undefined ? undefined : cpuAfter - cpuBefore;
  const sorted = times.sort((a, b) => a - b);
  return {
    rps: times.length / elapsed,
    p50Ms: median(sorted),
    p99Ms: sorted[Math.floor(sorted.length * 0.99)] ?? Number.NaN,
    non2xx,
    ...(cpu === undefined ? {} : { cpuMsPerCall: cpu / times.length }),
  };
}

/** CPU used so far by every process of a process group, in ms, from Linux's `/proc` (10 ms ticks). */
export function groupCpuMs(pgid: number): number | undefined {
  let ticks = 0;
  try {
    for (const pid of readdirSync('/proc')) {
      if (!/^\d+$/.test(pid)) continue;
      let stat: string;
      try {
        stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      } catch {
        continue; // gone between the listing and the read
      }
      // After the command's closing parenthesis: state, ppid, pgrp, ... utime (14th), stime (15th).
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[2]) === pgid) ticks += Number(fields[11]) + Number(fields[12]);
    }
  } catch {
    return undefined;
  }
  return ticks * 10;
}
