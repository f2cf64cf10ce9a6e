import { login } from './lib/core/login';
import type { CoreDeps } from './lib/core/types';
import { defaultCoreDeps } from './lib/core-deps';
import { createHttpHandler, json, parseJsonBody, requestMeta, stringField, type HttpHandler } from './lib/http';
import type { DepsInput } from './lib/lazy';
import { createLogger } from './lib/logger';

/** `POST /api/auth/login` with `{username, password}`: a token pair, or 401 invalid_grant. */
export function createHandler(deps: DepsInput<CoreDeps>): HttpHandler {
  return createHttpHandler(deps, createLogger(), async (event, d) => {
    const body = parseJsonBody(event);
    const input = { username: stringField(body, 'username'), password: stringField(body, 'password') };
    return json(200, await login(input, requestMeta(event), d));
  });
}

export const handler = createHandler(defaultCoreDeps);
