import { TokenError } from './lib/domain/errors';
import { bearerToken } from './lib/domain/bearer';
import { createHttpHandler, type HttpHandler } from './lib/http/handler';
import { json } from './lib/http/response';
import { requestMeta } from './lib/http/request';
import { logAuthEvent } from './lib/telemetry/events';
import { createLogger } from './lib/telemetry/logger';
import type { DepsInput } from './lib/http/lazy';
import { defaultVerifyDeps, type VerifyDeps } from './lib/wiring/verify';

/**
 * `GET /api/auth/validate` with `Authorization: Bearer <token>`, for services not behind the
 * gateway: 200 with the token's subject, or 401 with an RFC 6750 challenge.
 */
export function createHandler(deps: DepsInput<VerifyDeps>): HttpHandler {
  return createHttpHandler(deps, createLogger(), async (event, d) => {
    const token = bearerToken(event.headers, event.multiValueHeaders);
    if (token === undefined) throw new TokenError('ERR_JWT_MISSING', 'a bearer token is required');
    try {
      const claims = await d.accessTokens.verify(token);
      const standing = await d.revocation?.check(claims);
      if (standing?.revoked) throw new TokenError('ERR_JWT_REVOKED', 'token has been revoked');
      // The roles the user still holds: a role removed since the token was issued is gone.
      const roles = standing?.roles ?? claims.roles;
      const { sub, username, exp, iat, sid } = claims;
      return json(200, { active: true, sub, username, roles, exp, iat, sid });
    } catch (err) {
      if (err instanceof TokenError)
        logAuthEvent(d.logger, 'token_rejected', { requestId: requestMeta(event).requestId, reason: err.code });
      throw err;
    }
  });
}

export const handler = createHandler(defaultVerifyDeps);
