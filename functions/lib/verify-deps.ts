import { createAccessTokens, type AccessTokens } from './access-tokens';
import { CachedKeySource } from './cached-key-source';
import { systemClock, type Clock } from './clock';
import { loadConfig, type Config } from './config';
import type { KeySource } from './keys';
import { createLogger, type AuthLogger } from './logger';
import { ROUTES, type PolicyRoute } from './routes';
import { publicJwksSource } from './secret-sources';

/** What verify-only functions (authorizer, validate, JWKS) need: public keys, no DynamoDB, no private key. */
export interface VerifyDeps {
  readonly keys: KeySource;
  readonly accessTokens: AccessTokens;
  readonly now: Clock;
  readonly logger: AuthLogger;
  readonly jwksMaxAgeSeconds: number;
  /** Every protected route the authorizer's policy covers. */
  readonly routes: readonly PolicyRoute[];
}

/** Builds verify-only dependencies over a key source that holds public keys. */
export function createVerifyDeps(
  config: Pick<Config, 'issuer' | 'audience' | 'accessTokenTtlSeconds' | 'clockToleranceSeconds' | 'jwksMaxAgeSeconds'> &
    Partial<Pick<Config, 'extraRoutes'>>,
  keys: KeySource,
  overrides: { now?: Clock; logger?: AuthLogger } = {},
): VerifyDeps {
  const now = overrides.now ?? systemClock;
  return {
    keys,
    accessTokens: createAccessTokens({ keys, now, ...config }),
    now,
    logger: overrides.logger ?? createLogger(),
    jwksMaxAgeSeconds: config.jwksMaxAgeSeconds,
    routes: [...ROUTES, ...(config.extraRoutes ?? [])],
  };
}

/** The Lambda composition root of verify-only functions: the public key set, fetched lazily and cached. */
export async function defaultVerifyDeps(): Promise<VerifyDeps> {
  const config = loadConfig();
  const loadPublic = publicJwksSource(config);
  const keys = new CachedKeySource({ load: async () => ({ jwks: await loadPublic() }), ttlMs: config.keysCacheTtlSeconds * 1000 });
  return createVerifyDeps(config, keys);
}
