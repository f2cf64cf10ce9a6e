import type { ClientRevocationReader, RevocationReader } from '../domain/ports';
import type { AccessTokenClaims, ClientTokenClaims } from '../tokens/access-tokens';

export type { ClientRevocationReader, RevocationReader, RevocationState } from '../domain/ports';
import { epochSeconds, type Clock } from '../domain/clock';

/** Why a valid token is no longer honoured, or undefined if it is. */
export type RevocationReason =
  | 'session_unknown'
  | 'session_revoked'
  | 'user_unknown'
  | 'user_disabled'
  | 'tokens_revoked'
  | 'client_unknown'
  | 'client_disabled';

/**
 * Where a valid token stands: revoked, or honoured with the roles it may still use. Those are
 * the token's roles that the user still holds, so removing a role takes it from every token
 * already issued, within the same bound as a revocation, while the session lives on (its next
 * refresh carries the new roles).
 */
export type Standing =
  | { readonly revoked: RevocationReason; readonly roles?: undefined }
  | { readonly revoked?: undefined; readonly roles: readonly string[] };

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
        const client = await cached(`\nclient ${claims.client_id}`, () => readClient(claims.client_id));
        if (!client) return { revoked: 'client_unknown' as const };
        if (client.status !== 'active') return { revoked: 'client_disabled' as const };
        if ((client.tokensValidAfter ?? 0) > claims.iat) return { revoked: 'tokens_revoked' as const };
        return {};
      },
    }),
    async check(claims) {
      const { session, user } = await state(claims.username, claims.sid);
      if (!session || session.userId !== claims.sub) return { revoked: 'session_unknown' };
      if (session.status !== 'active') return { revoked: 'session_revoked' };
      if (!user || user.userId !== claims.sub) return { revoked: 'user_unknown' };
      if (user.status !== 'active') return { revoked: 'user_disabled' };
      if ((user.tokensValidAfter ?? 0) > claims.iat) return { revoked: 'tokens_revoked' };
      const held = user.roles ?? [];
      return { roles: claims.roles.filter((r) => held.includes(r)) };
    },
  };
}
