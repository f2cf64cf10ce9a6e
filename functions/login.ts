import { login } from './lib/core/login';
import type { CoreDeps } from './lib/core/types';
import { defaultCoreDeps } from './lib/core-deps';
import { createHttpHandler, json, readBody, requestMeta, type HttpHandler } from './lib/http';
import type { DepsInput } from './lib/lazy';
import { REQUEST_BODIES } from './lib/schemas';
import { createLogger } from './lib/logger';
import { deliverPair } from './lib/web';

/** `POST /api/auth/login` with `{username, password}`: a token pair, or 401 invalid_grant. */
export function createHandler(deps: DepsInput<CoreDeps>): HttpHandler {
  return createHttpHandler(deps, createLogger(), async (event, d) => {
    const { username, password } = readBody(event, REQUEST_BODIES.login);
    const input = { username, password };
    const { body, headers } = deliverPair(await login(input, requestMeta(event), d), d);
    return json(200, body, headers);
  });
}

export const handler = createHandler(defaultCoreDeps);
