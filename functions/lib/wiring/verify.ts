import { createAccessTokens, type AccessTokens } from '../tokens/access-tokens';
import { CachedKeySource } from '../tokens/cached-key-source';
import { systemClock, type Clock } from '../domain/clock';
import { loadConfig, type Config } from './config';
import type { KeySource } from '../tokens/key-source';
import { createLogger, type AuthLogger } from '../telemetry/logger';
import { ROUTES, type PolicyRoute } from '../contract/routes';
import { createFastVerifier, importVerifyKeys } from '../tokens/sync-verifier';
import { KeySetCache } from '../tokens/key-set-cache';
import type { RevocationChecker } from '../authz/revocation';
import { revocationCheckerFromConfig } from './revocation';
import { publicJwksSource } from './secret-sources';

/** What verify-only functions (validate, JWKS) need: public keys, no DynamoDB, no private key. */
export interface VerifyDeps {
  readonly keys: KeySource;
  readonly accessTokens: Pick<AccessTokens, 'verify'>;
  readonly now: Clock;
  readonly logger: AuthLogger;
  readonly jwksMaxAgeSeconds: number;
  /** `iss` of our tokens: the base of the discovery document's URLs. */
  readonly issuer: string;
  /** Every protected route the authorizer's policy covers. */
  readonly routes: readonly PolicyRoute[];
  /** Rejects tokens of revoked sessions and disabled users; absent when the check is off. */
  readonly revocation?: RevocationChecker | undefined;
}

/** Builds verify-only dependencies over a key source that holds public keys. */
export function createVerifyDeps(
  config: Pick<Config, 'issuer' | 'audience' | 'accessTokenTtlSeconds' | 'clockToleranceSeconds' | 'jwksMaxAgeSeconds'> &
    Partial<Pick<Config, 'extraRoutes'>>,
  keys: KeySource,
  overrides: { now?: Clock; logger?: AuthLogger; revocation?: RevocationChecker } = {},
): VerifyDeps {
  const now = overrides.now ?? systemClock;
  return {
    keys,
    accessTokens: createAccessTokens({ keys, now, ...config }),
    now,
    logger: overrides.logger ?? createLogger(),
    jwksMaxAgeSeconds: config.jwksMaxAgeSeconds,
    issuer: config.issuer,
    routes: [...ROUTES, ...(config.extraRoutes ?? [])],
    revocation: overrides.revocation,
  };
}

/**
 * The Lambda composition root of verify-only functions: the public key set, fetched lazily and
 * cached; tokens are checked by the synchronous node:crypto verifier (the same checks as jose's).
 */
export async function defaultVerifyDeps(): Promise<VerifyDeps> {
  const config = loadConfig();
  const loadPublic = publicJwksSource(config);
  const load = async () => ({ jwks: await loadPublic() });
  const ttlMs = config.keysCacheTtlSeconds * 1000;
  const keys = new CachedKeySource({ load, ttlMs });
  const verifyKeys = new KeySetCache({ load, build: (s) => importVerifyKeys(s.jwks), has: (b, kid) => b.has(kid), ttlMs });
  return {
    ...createVerifyDeps(config, keys, { revocation: revocationCheckerFromConfig(config) }),
    accessTokens: createFastVerifier(verifyKeys, { ...config, now: systemClock }),
  };
}
