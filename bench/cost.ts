/**
 * The cost model: measured DynamoDB units and measured Node CPU and wall time per operation,
 * turned into dollars at list prices, per million operations and per monthly active user, beside
 * Amazon Cognito's prices. The capacity section computes it on every run; BENCHMARKS.md and the
 * README quote one run, and a test holds their figures to this arithmetic.
 */
/** DynamoDB read and write units. */
export type Units = { read: number; write: number };
/** Node CPU and wall time of one operation, in ms: means over a run of calls. */
export type Timing = { cpuMs: number; wallMs: number };

/** DynamoDB on-demand list prices, us-east-1, late 2026: per million read and write request units. */
export const PRICE_PER_MILLION = { read: 0.125, write: 0.625 };

/** DynamoDB's cost of one million operations of `u` units, in dollars, at on-demand prices (2 decimals). */
export const dynamoDollars = (u: Units): string => (u.read * PRICE_PER_MILLION.read + u.write * PRICE_PER_MILLION.write).toFixed(2);

/** us-east-1 list prices, late 2026 (check the pricing pages). */
export const PRICES = {
  /** Lambda arm64, per GB-second and per million requests. */
  lambdaGbSecond: 0.0000133334,
  lambdaPerMillion: 0.2,
  /** API Gateway REST API and WAF, per million requests. */
  apiPerMillion: 3.5,
  wafPerMillion: 0.6,
  /** At rest, a month: WAF's web ACL and its two rules ($7), the secret ($0.40). */
  atRestMonthly: 7.4,
} as const;

/**
 * Amazon Cognito user pools (pricing page as of September 2026): Essentials $0.015 per MAU
 * after 10 000 free; Lite $0.0055 per MAU from 10 000 to 100 000, $0.0046 above; Plus $0.02 per
 * MAU with no free tier. M2M: $2.25 per 1 000 token requests at the first tier, plus $6 a
 * month per app client.
 */
export const COGNITO = {
  essentials: (mau: number) => Math.max(0, mau - 10_000) * 0.015,
  lite: (mau: number) => Math.max(0, Math.min(mau, 100_000) - 10_000) * 0.0055 + Math.max(0, mau - 100_000) * 0.0046,
  plus: (mau: number) => mau * 0.02,
  m2mPerMillionTokens: 2_250,
  m2mPerClientMonthly: 6,
} as const;

/** Lambda gives a function CPU in proportion to its memory: one full vCPU at 1 769 MB. */
const FULL_VCPU_MB = 1769;

/**
 * Lambda's billed duration of an operation at `memoryMb`: the time spent waiting (wall minus
 * CPU) plus the CPU time, stretched where the function has less than one vCPU; rounded up to
 * the millisecond, as Lambda bills.
 */
export const billedMs = (t: Timing, memoryMb: number): number =>
  Math.max(1, Math.ceil(Math.max(0, t.wallMs - t.cpuMs) + t.cpuMs * Math.max(1, FULL_VCPU_MB / memoryMb)));

/** One priced endpoint: its function's memory, its billed duration and units, and whether it is an API request. */
export interface Endpoint {
  readonly memoryMb: number;
  readonly billedMs: number;
  readonly units: Units;
  /** An API Gateway request of its own, behind WAF (the authorizer is not: it runs inside your route's request). */
  readonly apiRequest: boolean;
}

export interface PerMillion {
  readonly lambda: number;
  readonly dynamodb: number;
  readonly api: number;
  readonly total: number;
}

/** The cost of a million calls of `e`, in dollars. */
export function perMillion(e: Endpoint): PerMillion {
  const lambda = (e.memoryMb / 1024) * (e.billedMs / 1000) * PRICES.lambdaGbSecond * 1e6 + PRICES.lambdaPerMillion;
  const dynamodb = e.units.read * PRICE_PER_MILLION.read + e.units.write * PRICE_PER_MILLION.write;
  const api = e.apiRequest ? PRICES.apiPerMillion + PRICES.wafPerMillion : 0;
  return { lambda, dynamodb, api, total: lambda + dynamodb + api };
}

/**
 * A monthly active user: 30 sign-ins, 240 refreshes (15-minute tokens, two hours a day) and
 * 3 000 calls to protected routes, of which API Gateway's 5-minute policy cache misses 300.
 */
export const USAGE_PER_MAU = { login: 30, refresh: 240, authorizer: 300 } as const;

/** What the service costs a month for `mau` users (API Gateway's charge for your own routes left out). */
export const monthlyCost = (mau: number, endpoints: Record<keyof typeof USAGE_PER_MAU, Endpoint>): number =>
  PRICES.atRestMonthly +
  mau *
    (Object.keys(USAGE_PER_MAU) as (keyof typeof USAGE_PER_MAU)[]).reduce(
      (sum, op) => sum + (USAGE_PER_MAU[op] * perMillion(endpoints[op]).total) / 1e6,
      0,
    );

/** Rounds dollars as the documents print them: cents below $10, then whole dollars. */
export const dollars = (v: number): string => (v < 10 ? `$${v.toFixed(2)}` : `$${Math.round(v).toLocaleString('en-US')}`);
