/** A failure counter: how many, and when the last one was (epoch seconds). */
export interface FailureCounter {
  readonly failures: number;
  readonly lastFailureAt: number;
}

/** What was read: counters by key, and whether the trust marker exists. */
export type AttemptRecords = Map<string, FailureCounter | { trusted: true }>;

/**
 * Brute-force policy (ASVS 6.3.1; OWASP Authentication Cheat Sheet, "Protect against
 * automated attacks"). Three counters, each with free attempts and then exponential backoff
 * capped at `maxDelaySeconds`:
 * - per account and source IP: stops one attacker guessing at one account;
 * - per account from sources it never logged in from: bounds a distributed attack, while the
 *   owner's own IPs (trusted after a successful login) are exempt, so no attacker can lock the
 *   real user out;
 * - per source IP across accounts: stops one IP stuffing credentials into many accounts.
 * Unknown usernames are counted exactly like real ones, so throttling reveals nobody.
 */
export interface ThrottlePolicy {
  readonly freePerSource: number;
  readonly freePerAccount: number;
  readonly freePerIp: number;
  readonly baseDelaySeconds: number;
  readonly maxDelaySeconds: number;
  readonly windowSeconds: number;
  readonly trustedSourceSeconds: number;
}

/** The counter keys of one login attempt. */
export function attemptKeys(username: string, ip: string) {
  return { source: `src#${username}#${ip}`, account: `acct#${username}`, ip: `ip#${ip}`, trust: `trust#${username}#${ip}` } as const;
}

/** When a counter lets the next attempt through (epoch seconds; 0 while attempts are free). */
export function lockedUntil(counter: FailureCounter | undefined, free: number, policy: ThrottlePolicy): number {
  if (!counter || counter.failures < free) return 0;
  const delay = Math.min(policy.maxDelaySeconds, policy.baseDelaySeconds * 2 ** Math.min(30, counter.failures - free));
  return counter.lastFailureAt + delay;
}

/** Seconds until this attempt may proceed (0: now). */
export function retryAfterSeconds(records: AttemptRecords, username: string, ip: string, now: number, policy: ThrottlePolicy): number {
  const keys = attemptKeys(username, ip);
  const counter = (key: string) => {
    const r = records.get(key);
    return r && 'failures' in r ? r : undefined;
  };
  // A source the account logged in from before is exempt from the account-wide and the per-IP
  // counters: strangers elsewhere, or behind the same NAT address, cannot lock its owner out.
  // The per-source counter (this account from this IP) still bounds guessing from there.
  const trusted = records.has(keys.trust);
  const until = Math.max(
    lockedUntil(counter(keys.source), policy.freePerSource, policy),
    trusted ? 0 : lockedUntil(counter(keys.account), policy.freePerAccount, policy),
    trusted ? 0 : lockedUntil(counter(keys.ip), policy.freePerIp, policy),
  );
  return Math.max(0, until - now);
}

/** What a credential check read of the counters: its keys, the records, and how long to wait. */
export interface ThrottleReading {
  readonly keys: ReturnType<typeof attemptKeys>;
  readonly records: AttemptRecords;
  readonly retryAfterSeconds: number;
}

/** The counters a credential check needs, read in one round trip. */
export function readThrottle(
  attempts: { read(keys: readonly string[], now: number): Promise<AttemptRecords> },
  username: string,
  ip: string,
  now: number,
  policy: ThrottlePolicy,
): Promise<ThrottleReading> {
  const keys = attemptKeys(username, ip);
  return attempts.read([keys.source, keys.account, keys.ip, keys.trust], now).then((records) => ({
    keys,
    records,
    retryAfterSeconds: retryAfterSeconds(records, username, ip, now, policy),
  }));
}

/**
 * Counts one failed credential check, on the counters every check shares (login, password
 * change, and any future one): this account from this IP, this IP, and the account, unless the
 * source is one the account trusts (the owner's own mistakes never feed the account counter).
 */
export async function recordFailedCheck(
  attempts: { recordFailure(key: string, now: number, windowSeconds: number): Promise<void> },
  reading: ThrottleReading,
  now: number,
  policy: ThrottlePolicy,
): Promise<void> {
  const { keys, records } = reading;
  await Promise.all([
    attempts.recordFailure(keys.source, now, policy.windowSeconds),
    attempts.recordFailure(keys.ip, now, policy.windowSeconds),
    records.has(keys.trust) ? undefined : attempts.recordFailure(keys.account, now, policy.windowSeconds),
  ]);
}
