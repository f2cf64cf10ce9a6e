/** What the admin dashboard counts, hour by hour. */
export const ACTIVITY_SERIES = ['sign_ins', 'failures', 'throttled', 'reuse_detected'] as const;
export type ActivitySeries = (typeof ACTIVITY_SERIES)[number];

/** One hour's counts: `hour` is its start (`2026-11-30T04:00:00Z`). */
export type HourActivity = { readonly hour: string } & Record<ActivitySeries, number>;

/**
 * Counters are split over this many items per hour, one picked at random per event: one
 * DynamoDB partition takes about 1,000 writes a second, so an hour's counts take about 4,000
 * (a credential-stuffing burst included), and one BatchGetItem still reads a day (96 keys).
 */
export const ACTIVITY_SHARDS = 4;

/** The dashboard's window: the current hour and the 23 before it. */
export const ACTIVITY_HOURS = 24;

/** How long an hour's counters are kept, in seconds: the window and a day to spare. */
export const ACTIVITY_RETENTION_SECONDS = 2 * 86_400;

const HOUR_MS = 3_600_000;

/** The start of the hour that time `atMs` falls in, as `2026-11-30T04:00:00Z`. */
export const hourOf = (atMs: number): string => `${new Date(atMs).toISOString().slice(0, 13)}:00:00Z`;

/** The window's hours at time `nowMs`, oldest first. */
export const activityWindow = (nowMs: number): string[] =>
  Array.from({ length: ACTIVITY_HOURS }, (_, i) => hourOf(nowMs - (ACTIVITY_HOURS - 1 - i) * HOUR_MS));

/** An hour with nothing counted. */
export const emptyHour = (hour: string): HourActivity => ({ hour, sign_ins: 0, failures: 0, throttled: 0, reuse_detected: 0 });
