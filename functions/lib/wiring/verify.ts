import { CachedKeySource } from '../tokens/cached-key-source';
import { systemClock, type Clock } from '../domain/clock';
import { loadConfig, type Config } from './config';
import type { KeySource } from '../tokens/key-source';
import type { AuthLogger } from '../telemetry/events';
import { createLogger } from '../telemetry/logger';
import { createFastVerifier, createVerifyKeyCache } from '../tokens/sync-verifier';
import type { RevocationChecker } from '../authz/revocation';
import { revocationCheckerFromConfig } from './revocation';
import { publicJwksSource } from './secret-sources';

/** What verify-only functions (validate, JWKS) need: public keys, no DynamoDB, no private key. */
export interface VerifyDeps {
  readonly keys: KeySource;
  readonly accessTokens: ReturnType<typeof createFastVerifier>;
  readonly now: Clock;
  readonly logger: AuthLogger;
  readonly jwksMaxAgeSeconds: number;
  /** `iss` of our tokens: the base of the discovery document's URLs. */
  readonly issuer: string;
  /** Rejects tokens of revoked sessions and disabled users; absent when the check is off. */
  readonly revocation?: RevocationChecker | undefined;
  /** Browser origins that get CORS headers (validate and the JWKS are read from pages too). */
  readonly web: { readonly allowedOrigins: readonly string[] };
}

/**
 * Verify-only dependencies over a key source of public keys: tokens are checked by the
 * synchronous node:crypto verifier (the same checks as jose's, proven by a differential test),
 * over the same keys. Tests build them this way too, so they run the production path.
 */
export function createVerifyDeps(
  config: Pick<Config, 'issuer' | 'audience' | 'clockToleranceSeconds' | 'jwksMaxAgeSeconds' | 'keysCacheTtlSeconds' | 'allowedOrigins'>,
  keys: KeySource,
  overrides: { now?: Clock; logger?: AuthLogger; revocation?: RevocationChecker } = {},
): VerifyDeps {
  const now = overrides.now ?? systemClock;
  const verifyKeys = createVerifyKeyCache(() => keys.getPublicJwks(), { ttlMs: config.keysCacheTtlSeconds * 1000, now });
  return {
    keys,
    accessTokens: createFastVerifier(verifyKeys, { ...config, now }),
    now,
    logger: overrides.logger ?? createLogger(),
    jwksMaxAgeSeconds: config.jwksMaxAgeSeconds,
    issuer: config.issuer,
    revocation: overrides.revocation,
    web: { allowedOrigins: config.allowedOrigins },
  };
}

/** The Lambda composition root of verify-only functions: the public key set, fetched lazily and cached. */
export async function defaultVerifyDeps(): Promise<VerifyDeps> {
  const config = loadConfig();
  const loadPublic = publicJwksSource(config);
  const keys = new CachedKeySource({ load: async () => ({ jwks: await loadPublic() }), ttlMs: config.keysCacheTtlSeconds * 1000 });
  return createVerifyDeps(config, keys, { revocation: revocationCheckerFromConfig(config) });
}
