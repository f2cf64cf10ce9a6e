import type { Client } from '../domain/clients';
import { epochSeconds, type Clock } from '../domain/clock';
import type { ClientsRepo } from '../domain/ports';

/**
 * How long the token endpoint keeps a client record it read. A steady stream of tokens then
 * costs one DynamoDB read each (the throttle counters). Revocation still wins: the authorizer
 * and introspection read the client afresh (disabled or deleted: refused), and revoking a secret
 * also ends every token issued until this window has passed (`revokeClientSecret`).
 */
export const CLIENT_CACHE_SECONDS = 10;

/** `getClient` through a small per-container cache, for client authentication only. */
export function cachedClientReader(
  clients: Pick<ClientsRepo, 'getClient'>,
  options: { now: Clock; ttlSeconds?: number; maxEntries?: number },
): Pick<ClientsRepo, 'getClient'> {
  const ttl = options.ttlSeconds ?? CLIENT_CACHE_SECONDS;
  const maxEntries = options.maxEntries ?? 1000;
  const cache = new Map<string, { client: Client | undefined; until: number }>();
  return {
    async getClient(clientId) {
      const now = epochSeconds(options.now);
      const hit = cache.get(clientId);
      if (hit && hit.until > now) return hit.client;
      const client = await clients.getClient(clientId);
      cache.delete(clientId);
      if (cache.size >= maxEntries) cache.delete(cache.keys().next().value as string);
      cache.set(clientId, { client, until: now + ttl });
      return client;
    },
  };
}
