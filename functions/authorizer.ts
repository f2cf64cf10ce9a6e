import type { APIGatewayAuthorizerResult, APIGatewayRequestAuthorizerEvent } from 'aws-lambda';
import { TokenError } from './lib/errors';
import { bearerToken } from './lib/http';
import { lazyDeps, type DepsInput } from './lib/lazy';
import { logAuthEvent } from './lib/logger';
import { apiStageArn, buildPolicy } from './lib/policy';
import { isPermitted } from './lib/routes';
import { defaultVerifyDeps, type VerifyDeps } from './lib/verify-deps';


/** The one rejection API Gateway turns into 401 (and never caches as a policy). */
const unauthorized = () => new Error('Unauthorized');

/**
 * The Lambda authorizer for API Gateway REST REQUEST events. A missing or invalid token throws
 * `Unauthorized` (401); a valid token gets a policy over every protected route, allowing those
 * its roles permit and denying the rest (403).
 */
export function createHandler(deps: DepsInput<VerifyDeps>) {
  const ready = lazyDeps(deps);
  return async (event: APIGatewayRequestAuthorizerEvent): Promise<APIGatewayAuthorizerResult> => {
    const d = await ready();
    const requestId = event?.requestContext?.requestId;
    const token = bearerToken(event?.headers);
    const stageArn = typeof event?.methodArn === 'string' ? apiStageArn(event.methodArn) : undefined;
    if (token === undefined || stageArn === undefined) {
      logAuthEvent(d.logger, 'token_rejected', { requestId, reason: token === undefined ? 'ERR_JWT_MISSING' : 'bad_method_arn' });
      throw unauthorized();
    }
    let claims;
    try {
      claims = await d.accessTokens.verify(token);
    } catch (err) {
      if (!(err instanceof TokenError)) throw err;
      logAuthEvent(d.logger, 'token_rejected', { requestId, reason: err.code });
      throw unauthorized();
    }
    const revoked = await d.revocation?.check(claims);
    if (revoked) {
      logAuthEvent(d.logger, 'token_revoked', { requestId, userId: claims.sub, sid: claims.sid, reason: revoked });
      throw unauthorized();
    }
    const routes = d.routes;
    const current = routes.find((r) => r.method === event.httpMethod && r.path === event.resource);
    if (current && !isPermitted(current, claims.roles)) {
      logAuthEvent(d.logger, 'access_denied', { requestId, userId: claims.sub, sid: claims.sid, reason: 'missing_role' });
    }
    return buildPolicy(stageArn, routes, claims, {
      sub: claims.sub,
      username: claims.username,
      roles: claims.roles.join(','),
      sid: claims.sid,
    });
  };
}

export const handler = createHandler(defaultVerifyDeps);
