import type { JSONWebKeySet } from 'jose';
import type { Clock } from '../domain/clock';
import { KeySetCache, type KeySetSnapshot } from './key-set-cache';
import { JwkSetKeySource, type KeyEntry, type KeySource } from './key-source';

export type { KeySetSnapshot } from './key-set-cache';

/** Options of `CachedKeySource`: see `KeySetCacheOptions`. */
export interface CachedKeySourceOptions {
  readonly load: () => Promise<KeySetSnapshot>;
  readonly ttlMs: number;
  readonly unknownKidRefetchIntervalMs?: number;
  readonly initial?: KeySetSnapshot;
  readonly now?: Clock;
}

const toSource = (snapshot: KeySetSnapshot) =>
  new JwkSetKeySource({ jwks: snapshot.jwks, ...(snapshot.signingKid !== undefined && { signingKid: snapshot.signingKid }) });

/** A jose key source over a remote key set, cached (TTL, penalty box, last good set kept). */
export class CachedKeySource implements KeySource {
  private readonly cache: KeySetCache<{ source: JwkSetKeySource; kids: Set<string> }>;

  constructor(options: CachedKeySourceOptions) {
    this.cache = new KeySetCache({
      ...options,
      build: (snapshot) => ({ source: toSource(snapshot), kids: new Set(snapshot.jwks.keys.map((k) => k.kid as string)) }),
      has: (built, kid) => built.kids.has(kid),
    });
  }

  async getSigningKey(): Promise<KeyEntry> {
    return (await this.cache.get()).source.getSigningKey();
  }

  async getVerificationKey(kid: string): Promise<KeyEntry | undefined> {
    return (await this.cache.getFor(kid)).source.getVerificationKey(kid);
  }

  async getPublicJwks(): Promise<JSONWebKeySet> {
    return (await this.cache.get()).source.getPublicJwks();
  }
}
