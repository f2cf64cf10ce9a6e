import type { APIGatewayAuthorizerResult, APIGatewayRequestAuthorizerEvent, PolicyDocument } from 'aws-lambda';
import type { AccessTokenClaims } from './lib/access-tokens';
import { logAuthEvent } from './lib/auth-events';
import { bearerToken } from './lib/bearer';
import { defaultAuthorizerDeps, type AuthorizerDeps } from './lib/authorizer-deps';
import { TokenError } from './lib/errors';
import { emitCountMetric } from './lib/json-logger';
import { lazyDeps, type DepsInput } from './lib/lazy';
import { apiStageArn, buildPolicy } from './lib/policy';
import { isPermitted, type PolicyRoute } from './lib/routes';

export type { AuthorizerDeps } from './lib/authorizer-deps';

/** The one rejection API Gateway turns into 401 (and never caches as a policy). */
const unauthorized = () => new Error('Unauthorized');

/** Tokens verified in this container, by token: bounded, and never past the token's `exp`. */
const MAX_CACHED_TOKENS = 10_000;
interface Verified {
  readonly claims: AccessTokenClaims;
  readonly stageArn: string;
  readonly result: APIGatewayAuthorizerResult;
}

/**
 * The Lambda authorizer for API Gateway REST REQUEST events. A missing or invalid token throws
 * `Unauthorized` (401); a valid token gets a policy over every protected route, allowing those
 * its roles permit and denying the rest (403). A token seen before skips verification (it is
 * still checked for expiry and revocation); policies are shared by callers with the same roles.
 */
export function createHandler(deps: DepsInput<AuthorizerDeps>) {
  const ready = lazyDeps(deps);
  const verified = new Map<string, Verified>();
  const policies = new Map<string, PolicyDocument>();
  let routeIndex: Map<string, PolicyRoute> | undefined;

  return async (event: APIGatewayRequestAuthorizerEvent): Promise<APIGatewayAuthorizerResult> => {
    const d = await ready();
    const requestId = event?.requestContext?.requestId;
    const token = bearerToken(event?.headers, event?.multiValueHeaders);
    const stageArn = typeof event?.methodArn === 'string' ? apiStageArn(event.methodArn) : undefined;
    if (token === undefined || stageArn === undefined) {
      logAuthEvent(d.logger, 'token_rejected', { requestId, reason: token === undefined ? 'ERR_JWT_MISSING' : 'bad_method_arn' });
      throw unauthorized();
    }

    const nowSeconds = Math.floor(d.now() / 1000);
    let entry = verified.get(token);
    if (entry && (entry.claims.exp <= nowSeconds || entry.stageArn !== stageArn)) {
      verified.delete(token);
      entry = undefined;
    }
    if (!entry) {
      let claims: AccessTokenClaims;
      try {
        claims = d.accessTokens.verifySync?.(token) ?? (await d.accessTokens.verify(token));
      } catch (err) {
        if (!(err instanceof TokenError)) {
          // Not the token's fault (keys unreachable, a bug): API Gateway answers 500; alarm on it.
          emitCountMetric('AuthorizerFailure');
          throw err;
        }
        logAuthEvent(d.logger, 'token_rejected', { requestId, reason: err.code });
        throw unauthorized();
      }
      // One entry per distinct role set: sorted, and unambiguous whatever the role names.
      const rolesKey = `${stageArn} ${JSON.stringify([...claims.roles].sort())}`;
      let policyDocument = policies.get(rolesKey);
      if (!policyDocument) {
        policyDocument = buildPolicy(stageArn, d.routes, claims, { sub: '', username: '', roles: '', sid: '' }).policyDocument;
        policies.set(rolesKey, policyDocument);
      }
      const result: APIGatewayAuthorizerResult = {
        principalId: claims.sub,
        policyDocument,
        context: { sub: claims.sub, username: claims.username, roles: claims.roles.join(','), sid: claims.sid },
      };
      entry = { claims, stageArn, result };
      if (claims.exp > nowSeconds) {
        if (verified.size >= MAX_CACHED_TOKENS) verified.delete(verified.keys().next().value as string);
        verified.set(token, entry);
      }
    }

    const revoked = d.revocation ? await d.revocation.check(entry.claims) : undefined;
    if (revoked) {
      verified.delete(token);
      logAuthEvent(d.logger, 'token_revoked', { requestId, userId: entry.claims.sub, sid: entry.claims.sid, reason: revoked });
      throw unauthorized();
    }
    routeIndex ??= new Map(d.routes.map((r) => [`${r.method} ${r.path}`, r]));
    const current = routeIndex.get(`${event.httpMethod} ${event.resource}`);
    if (current && !isPermitted(current, entry.claims.roles)) {
      logAuthEvent(d.logger, 'access_denied', { requestId, userId: entry.claims.sub, sid: entry.claims.sid, reason: 'missing_role' });
    }
    return entry.result;
  };
}

export const handler = createHandler(defaultAuthorizerDeps);
