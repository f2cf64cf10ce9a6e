import type { JSONWebKeySet } from 'jose';
import { systemClock, type Clock } from '../domain/clock';

/** A key set as fetched from its store. */
export interface KeySetSnapshot {
  readonly jwks: JSONWebKeySet;
  readonly signingKid?: string;
}

/** Options of `KeySetCache`. */
export interface KeySetCacheOptions<T> {
  /** Fetches the current key set (a secret, a parameter, a file). */
  readonly load: () => Promise<KeySetSnapshot>;
  /** Turns a fetched set into what callers use (imported keys). */
  readonly build: (snapshot: KeySetSnapshot) => T;
  /** Does the built set hold this kid? */
  readonly has: (built: T, kid: string) => boolean;
  /** How long a fetched set is used before it is fetched again. */
  readonly ttlMs: number;
  /**
   * At most one refetch per this interval for a `kid` we do not know, so a flood of tokens with
   * made-up kids cannot turn into a flood of fetches (aws-jwt-verify's "penalty box").
   * @default 10 000 ms
   */
  readonly unknownKidRefetchIntervalMs?: number;
  /** A set already in hand (fetched at start-up), used until the TTL runs out. */
  readonly initial?: KeySetSnapshot;
  readonly now?: Clock;
}

/**
 * A remote key set, cached for a TTL: one fetch at a time (concurrent callers share it), a
 * rate-limited refetch when a token names a key we have not seen (a rotation just published
 * it), and the last good set kept when a refetch fails.
 */
export class KeySetCache<T> {
  private current: { built: T; fetchedAt: number } | undefined;
  private inFlight: Promise<T> | undefined;
  private lastUnknownKidRefetch = Number.NEGATIVE_INFINITY;
  private readonly now: Clock;

  constructor(private readonly options: KeySetCacheOptions<T>) {
    this.now = options.now ?? systemClock;
    if (options.initial) this.current = { built: options.build(options.initial), fetchedAt: this.now() };
  }

  /** The set, fetched again if its TTL ran out. */
  async get(): Promise<T> {
    const current = this.current;
    if (current && this.now() - current.fetchedAt < this.options.ttlMs) return current.built;
    try {
      return await this.reload();
    } catch (err) {
      // The store is unreachable: keep verifying with the keys we have rather than fail everyone.
      if (current) return current.built;
      throw err;
    }
  }

  /** The set without waiting, while it is fresh; undefined when a fetch is due. */
  peek(): T | undefined {
    const current = this.current;
    return current && this.now() - current.fetchedAt < this.options.ttlMs ? current.built : undefined;
  }

  /** The set, refetched once per penalty interval if it does not hold `kid`. */
  async getFor(kid: string): Promise<T> {
    const built = await this.get();
    if (this.options.has(built, kid)) return built;
    const now = this.now();
    if (now - this.lastUnknownKidRefetch < (this.options.unknownKidRefetchIntervalMs ?? 10_000)) return built;
    this.lastUnknownKidRefetch = now;
    try {
      return await this.reload();
    } catch {
      return built;
    }
  }

  private reload(): Promise<T> {
    this.inFlight ??= this.options
      .load()
      .then((snapshot) => {
        const built = this.options.build(snapshot);
        this.current = { built, fetchedAt: this.now() };
        return built;
      })
      .finally(() => {
        this.inFlight = undefined;
      });
    return this.inFlight;
  }
}
