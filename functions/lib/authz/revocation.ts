import type { ClientRevocationReader, RevocationReader } from '../domain/ports';
import { clientTokenStanding, type RevocationReason, type Standing, userTokenStanding } from '../domain/token-standing';
import type { AccessTokenClaims, ClientTokenClaims } from '../tokens/access-tokens';

export type { ClientRevocationReader, RevocationReader, RevocationState } from '../domain/ports';
export type { RevocationReason, Standing } from '../domain/token-standing';
import { epochSeconds, type Clock } from '../domain/clock';

/** Checks signed-and-unexpired tokens against revocation (ASVS 7.4.1: logout and revocation take effect). */
export interface RevocationChecker {
  check(claims: AccessTokenClaims): Promise<Standing>;
  /** A machine client's token: its client still exists, is active, and has not ended its tokens. Absent: not checked. */
  checkClient?(claims: ClientTokenClaims): Promise<{ readonly revoked?: RevocationReason }>;
}

/**
 * A checker with a small in-memory cache: a state read is reused for `cacheSeconds`, so the
 * delay before a revocation bites is at most that plus API Gateway's authorizer cache TTL.
 */
export function createRevocationChecker(options: {
  read: RevocationReader;
  /** Reads a client, for machine tokens. */
  readClient?: ClientRevocationReader;
  cacheSeconds: number;
  now: Clock;
  maxEntries?: number;
}): RevocationChecker {
  const maxEntries = options.maxEntries ?? 10_000;

  const cache = new Map<string, { state: unknown; until: number }>();
  /** A state read, reused for `cacheSeconds`. A user's key has a newline; a client's starts with one. */
  async function cached<S>(key: string, read: () => Promise<S>): Promise<S> {
    const now = epochSeconds(options.now);
    const hit = cache.get(key);
    if (hit && hit.until > now) return hit.state as S;
    const fresh = await read();
    cache.delete(key);
    if (cache.size >= maxEntries) cache.delete(cache.keys().next().value as string);
    if (options.cacheSeconds > 0) cache.set(key, { state: fresh, until: now + options.cacheSeconds });
    return fresh;
  }
  const state = (username: string, sid: string) => cached(`${username}\n${sid}`, () => options.read(username, sid));
  const { readClient } = options;

  return {
    ...(readClient && {
      async checkClient(claims: ClientTokenClaims) {
        return clientTokenStanding(claims, await cached(`\nclient ${claims.client_id}`, () => readClient(claims.client_id)));
      },
    }),
    async check(claims) {
      return userTokenStanding(claims, await state(claims.username, claims.sid));
    },
  };
}
