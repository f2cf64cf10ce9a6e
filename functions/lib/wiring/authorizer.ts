import type { VerifiedClaims } from '../tokens/access-tokens';
import type { AuthLogger } from '../telemetry/events';
import { systemClock, type Clock } from '../domain/clock';
import { ConfigError, ENV, loadConfig } from './config';
import { createFastAnyVerifier, createVerifyKeyCache } from '../tokens/sync-verifier';
import { emitCountMetric } from '../telemetry/count-metric';
import { createJsonLogger } from '../telemetry/lite-logger';
import type { RevocationChecker } from '../authz/revocation';
import { revocationCheckerFromConfig } from './revocation';
import type { PolicyRoute } from '../contract/routes';
import { decodeRouteList } from '../contract/route-list';
import { METRIC } from '../contract/telemetry';
import { parameterSource, publicJwksSource } from './secret-sources';

/** What the authorizer needs: a verifier, the protected routes of its API, and optionally the revocation check. */
export interface AuthorizerDeps {
  readonly accessTokens: {
    /** A user's token, or (for routes that list scopes) a machine client's. */
    verify(token: string): Promise<VerifiedClaims>;
    verifySync?(token: string): VerifiedClaims | undefined;
    /** The fresh key set in use (compared by identity), if the verifier caches one. */
    keySet?(): unknown;
  };
  /** The protected routes of the API it guards, or how to read them (once, on the first call that needs them). */
  readonly routes: readonly PolicyRoute[] | (() => Promise<readonly PolicyRoute[]>);
  readonly revocation?: RevocationChecker | undefined;
  /** Holders of these roles, signed in without a second factor, may only enrol one. @default the setting's default */
  readonly mfaRequiredRoles?: readonly string[];
  readonly logger: AuthLogger;
  readonly now: Clock;
  /** Counts an authorizer failure that is not the token's fault (alarmed on). */
  readonly countFailure?: () => void;
}

/**
 * The Lambda composition root of the authorizer: the synchronous node:crypto verifier over the
 * public key set (no jose, no Powertools, and no SDK unless the revocation check is on).
 */
export async function defaultAuthorizerDeps(): Promise<AuthorizerDeps> {
  const config = loadConfig();
  const keys = createVerifyKeyCache(publicJwksSource(config), { ttlMs: config.keysCacheTtlSeconds * 1000 });
  // The protected routes of the API this authorizer guards, in one encoding: on AWS from an SSM
  // parameter, read once per container (a new list is a new function configuration, and so new
  // containers), on the first call (the extension answers only once the function is invoked);
  // locally, from the environment. So no route table is in the bundle.
  const { routesParameter, routes: given } = config;
  const routes = routesParameter
    ? async () => decodeRouteList(await parameterSource(routesParameter)())
    : given
      ? async () => decodeRouteList(given)
      : async () => {
          throw new ConfigError(`${ENV.routesParameter} (or ${ENV.routes}) is required to authorize a route`);
        };
  return {
    accessTokens: createFastAnyVerifier(keys, { ...config, now: systemClock }),
    routes,
    revocation: revocationCheckerFromConfig(config),
    mfaRequiredRoles: config.mfaRequiredRoles,
    logger: createJsonLogger({ level: process.env.POWERTOOLS_LOG_LEVEL }),
    // Powertools' own switch, honoured here too (the tests turn metric lines off).
    countFailure:
      process.env.POWERTOOLS_METRICS_DISABLED === 'true'
        ? () => undefined
        : () => emitCountMetric(METRIC.authorizerFailure, config.metricsService),
    now: systemClock,
  };
}
