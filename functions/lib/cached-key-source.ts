import type { JSONWebKeySet } from 'jose';
import { systemClock, type Clock } from './clock';
import { JwkSetKeySource, type KeyEntry, type KeySource } from './keys';

/** A key set as fetched from its store. */
export interface KeySetSnapshot {
  readonly jwks: JSONWebKeySet;
  readonly signingKid?: string;
}

/** Options of `CachedKeySource`. */
export interface CachedKeySourceOptions {
  /** Fetches the current key set (a secret, a parameter, a file). */
  readonly load: () => Promise<KeySetSnapshot>;
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
 * A key source over a remote key set: cached for a TTL, one fetch at a time (concurrent callers
 * share it), a rate-limited refetch when a token names a key we have not seen (a rotation just
 * published it), and the last good set kept when a refetch fails.
 */
export class CachedKeySource implements KeySource {
  private current: { source: JwkSetKeySource; fetchedAt: number } | undefined;
  private inFlight: Promise<JwkSetKeySource> | undefined;
  private lastUnknownKidRefetch = Number.NEGATIVE_INFINITY;
  private readonly now: Clock;

  constructor(private readonly options: CachedKeySourceOptions) {
    this.now = options.now ?? systemClock;
    if (options.initial) this.current = { source: toSource(options.initial), fetchedAt: this.now() };
  }

  async getSigningKey(): Promise<KeyEntry> {
    return (await this.fresh()).getSigningKey();
  }

  async getVerificationKey(kid: string): Promise<KeyEntry | undefined> {
    const known = await (await this.fresh()).getVerificationKey(kid);
    if (known) return known;
    const now = this.now();
    if (now - this.lastUnknownKidRefetch < (this.options.unknownKidRefetchIntervalMs ?? 10_000)) return undefined;
    this.lastUnknownKidRefetch = now;
    return (await this.reload()).getVerificationKey(kid);
  }

  async getPublicJwks(): Promise<JSONWebKeySet> {
    return (await this.fresh()).getPublicJwks();
  }

  private async fresh(): Promise<JwkSetKeySource> {
    const current = this.current;
    if (current && this.now() - current.fetchedAt < this.options.ttlMs) return current.source;
    try {
      return await this.reload();
    } catch (err) {
      // The store is unreachable: keep verifying with the keys we have rather than fail everyone.
      if (current) return current.source;
      throw err;
    }
  }

  private reload(): Promise<JwkSetKeySource> {
    this.inFlight ??= this.options
      .load()
      .then((snapshot) => {
        const source = toSource(snapshot);
        this.current = { source, fetchedAt: this.now() };
        return source;
      })
      .finally(() => {
        this.inFlight = undefined;
      });
    return this.inFlight;
  }
}

const toSource = (snapshot: KeySetSnapshot) =>
  new JwkSetKeySource({ jwks: snapshot.jwks, ...(snapshot.signingKid !== undefined && { signingKid: snapshot.signingKid }) });
