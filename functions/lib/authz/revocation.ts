import type { RevocationReader, RevocationState } from '../domain/ports';
import type { AccessTokenClaims } from '../tokens/access-tokens';

export type { RevocationReader, RevocationState } from '../domain/ports';
import { epochSeconds, type Clock } from '../domain/clock';

/** Why a valid token is no longer honoured, or undefined if it is. */
export type RevocationReason = 'session_unknown' | 'session_revoked' | 'user_unknown' | 'user_disabled' | 'tokens_revoked';

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
}

/**
 * A checker with a small in-memory cache: a state read is reused for `cacheSeconds`, so the
 * delay before a revocation bites is at most that plus API Gateway's authorizer cache TTL.
 */
export function createRevocationChecker(options: {
  read: RevocationReader;
  cacheSeconds: number;
  now: Clock;
  maxEntries?: number;
}): RevocationChecker {
  const cache = new Map<string, { state: RevocationState; until: number }>();
  const maxEntries = options.maxEntries ?? 10_000;

  async function state(username: string, sid: string): Promise<RevocationState> {
    const key = `${username}\n${sid}`;
    const now = epochSeconds(options.now);
    const hit = cache.get(key);
    if (hit && hit.until > now) return hit.state;
    const fresh = await options.read(username, sid);
    cache.delete(key);
    if (cache.size >= maxEntries) cache.delete(cache.keys().next().value as string);
    if (options.cacheSeconds > 0) cache.set(key, { state: fresh, until: now + options.cacheSeconds });
    return fresh;
  }

  return {
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
