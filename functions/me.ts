import { callerOf, createHttpHandler, json, type HttpHandler } from './lib/http';
import { createLogger, type AuthLogger } from './lib/logger';

/**
 * `GET /api/me`, the protected example route: answers who the authorizer said the caller is.
 * It trusts only the authorizer context, which API Gateway sets and clients cannot.
 */
export function createHandler(deps: { logger: AuthLogger } = { logger: createLogger() }): HttpHandler {
  return createHttpHandler(deps, deps.logger, async (event) => {
    const { sub, username, roles } = callerOf(event);
    return json(200, { sub, username, roles });
  });
}

export const handler = createHandler();
