import { TokenError } from './lib/errors';
import { createHttpHandler, json, type HttpHandler } from './lib/http';
import { createLogger, type AuthLogger } from './lib/logger';

/**
 * `GET /api/me`, the protected example route: answers who the authorizer said the caller is.
 * It trusts only the authorizer context, which API Gateway sets and clients cannot.
 */
export function createHandler(deps: { logger: AuthLogger } = { logger: createLogger() }): HttpHandler {
  return createHttpHandler(deps, deps.logger, async (event) => {
    const ctx: unknown = event.requestContext?.authorizer;
    const { sub, username, roles } = (ctx ?? {}) as Record<string, unknown>;
    if (typeof sub !== 'string' || typeof username !== 'string' || typeof roles !== 'string') {
      throw new TokenError('ERR_JWT_MISSING', 'this route needs the authorizer');
    }
    return json(200, { sub, username, roles: roles === '' ? [] : roles.split(',') });
  });
}

export const handler = createHandler();
