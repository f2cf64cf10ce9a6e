import { decodeProtectedHeader } from 'jose';
import type { FaultKind } from '../faults/fault-proxy';
import { INVARIANTS, type Invariant, type Violation } from './invariants';
import type { SoakRun } from './soak';

/** The figures of one soak, for the report and the closing line. */
export interface SoakFigures {
  readonly seconds: number;
  readonly users: number;
  readonly requests: number;
  readonly perSecond: number;
  readonly byOperation: Readonly<Record<string, number>>;
  readonly faults: Readonly<Record<FaultKind, number>>;
  readonly windows: number;
  readonly unavailable: number;
  readonly otherServerErrors: number;
  readonly noAnswer: number;
  readonly replays: number;
  readonly restarts: readonly { readonly downSeconds: number; readonly recoverySeconds: number }[];
  readonly latency: {
    readonly calm: { readonly p50: number; readonly p99: number; readonly n: number };
    readonly faulted: { readonly p50: number; readonly p99: number; readonly n: number };
  };
  readonly rotation: { readonly promoted: boolean; readonly tokensByKey: Readonly<Record<string, number>> };
  readonly violations: Readonly<Record<Invariant, number>>;
  /** Per second: calls answered, and of them 503s. */
  readonly timeline: readonly { readonly second: number; readonly answered: number; readonly unavailable: number }[];
  readonly faultWindows: readonly { readonly kind: string; readonly start: number; readonly end: number }[];
}

const percentile = (sorted: readonly number[], p: number) =>
  sorted.length === 0 ? 0 : (sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] as number);

/** Sums up a soak: counts, faults, recovery, latency with and without faults, violations. */
export function soakFigures(run: SoakRun, violations: readonly Violation[]): SoakFigures {
  const { calls } = run.seen;
  const seconds = run.options.durationSeconds;
  const byOperation: Record<string, number> = {};
  for (const c of calls) byOperation[c.op] = (byOperation[c.op] ?? 0) + 1;
  const faulted = (c: (typeof calls)[number]) => run.windows.some((w) => c.start <= w.end && c.end >= w.start);
  const latencies = (which: boolean) => {
    const sorted = calls
      .filter((c) => c.status !== 0 && faulted(c) === which)
      .map((c) => c.end - c.start)
      .sort((a, b) => a - b);
    return { p50: percentile(sorted, 50), p99: percentile(sorted, 99), n: sorted.length };
  };
  const tokensByKey: Record<string, number> = {};
  for (const token of run.seen.accessTokens) {
    const kid = decodeProtectedHeader(token).kid ?? '?';
    tokensByKey[kid] = (tokensByKey[kid] ?? 0) + 1;
  }
  const timeline = Array.from({ length: Math.ceil(seconds) }, (_, second) => ({ second, answered: 0, unavailable: 0 }));
  for (const c of calls) {
    const slot = timeline[Math.floor(c.end / 1000)];
    if (!slot) continue;
    slot.answered++;
    if (c.status === 503) slot.unavailable++;
  }
  const violated = Object.fromEntries(Object.keys(INVARIANTS).map((k) => [k, 0])) as Record<Invariant, number>;
  for (const v of violations) violated[v.invariant]++;
  return {
    seconds,
    users: run.options.users,
    requests: calls.length,
    perSecond: Math.round(calls.length / seconds),
    byOperation,
    faults: run.faults,
    windows: run.windows.length,
    unavailable: calls.filter((c) => c.status === 503).length,
    otherServerErrors: calls.filter((c) => c.status >= 500 && c.status !== 503).length,
    noAnswer: calls.filter((c) => c.status === 0).length,
    replays: run.seen.replays.length,
    restarts: run.restarts.map((r) => ({
      downSeconds: (r.readyAt - r.killedAt) / 1000,
      recoverySeconds: r.recoveredAt === undefined || !Number.isFinite(r.recoveredAt) ? Number.NaN : (r.recoveredAt - r.readyAt) / 1000,
    })),
    latency: { calm: latencies(false), faulted: latencies(true) },
    rotation: { promoted: run.rotation.promotedAt !== undefined, tokensByKey },
    violations: violated,
    timeline,
    faultWindows: run.windows.map((w) => ({ kind: w.kind, start: w.start / 1000, end: w.end / 1000 })),
  };
}
