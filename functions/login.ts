import { login } from './lib/flows/login';
import type { CoreDeps } from './lib/flows/deps';
import { defaultCoreDeps } from './lib/wiring/core';
import { createHttpHandler, type HttpHandler } from './lib/http/handler';
import { json } from './lib/http/response';
import { readBody, requestMeta } from './lib/http/request';
import type { DepsInput } from './lib/http/lazy';
import { REQUEST_BODIES } from './lib/contract/schemas';
import { createLogger } from './lib/telemetry/logger';
import { deliverPair } from './lib/http/token-delivery';

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
