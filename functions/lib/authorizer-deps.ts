import type { AccessTokenClaims } from './access-tokens';
import type { AuthLogger } from './auth-events';
import { systemClock, type Clock } from './clock';
import { loadConfig, type Config } from './config';
import { createFastVerifier, importVerifyKeys, type VerifyKey } from './fast-verifier';
import { createJsonLogger } from './json-logger';
import { KeySetCache } from './key-set-cache';
import { createRevocationChecker, type RevocationChecker } from './revocation';
import { ROUTES, type PolicyRoute } from './routes';
import { publicJwksSource } from './secret-sources';

/** What the authorizer needs: a verifier, the routes of its policy, and optionally the revocation check. */
export interface AuthorizerDeps {
  readonly accessTokens: { verify(token: string): Promise<AccessTokenClaims>; verifySync?(token: string): AccessTokenClaims | undefined };
  readonly routes: readonly PolicyRoute[];
  readonly revocation?: RevocationChecker | undefined;
  readonly logger: AuthLogger;
  readonly now: Clock;
}

/**
 * The Lambda composition root of the authorizer: the synchronous node:crypto verifier over the
 * public key set (no jose, no Powertools, and no SDK unless the revocation check is on).
 */
export async function defaultAuthorizerDeps(): Promise<AuthorizerDeps> {
  const config = loadConfig();
  const loadPublic = publicJwksSource(config);
  const keys = new KeySetCache<Map<string, VerifyKey>>({
    load: async () => ({ jwks: await loadPublic() }),
    build: (snapshot) => importVerifyKeys(snapshot.jwks),
    has: (built, kid) => built.has(kid),
    ttlMs: config.keysCacheTtlSeconds * 1000,
  });
  return {
    accessTokens: createFastVerifier(keys, { ...config, now: systemClock }),
    routes: [...ROUTES, ...config.extraRoutes],
    revocation: revocationChecker(config),
    logger: createJsonLogger(),
    now: systemClock,
  };
}

/**
 * The revocation check reads DynamoDB, so it brings the SDK. A bundle built with
 * AUTH_REVOCATION_CHECK defined as "false" drops this branch, and the SDK with it.
 */
function revocationChecker(config: Config): RevocationChecker | undefined {
  if (process.env.AUTH_REVOCATION_CHECK === 'false' || !config.revocationCheck) return undefined;
  const { dynamoRevocationReader } = require('./revocation-store') as typeof import('./revocation-store');
  const { createDocumentClient } = require('./dynamo') as typeof import('./dynamo');
  const client = createDocumentClient({ endpoint: config.dynamodbEndpoint });
  return createRevocationChecker({
    read: dynamoRevocationReader({ client, usersTable: config.usersTable, sessionsTable: config.sessionsTable }),
    cacheSeconds: config.revocationCacheSeconds,
    now: systemClock,
  });
}
