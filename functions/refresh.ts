import { refresh } from './lib/flows/refresh';
import type { CoreDeps } from './lib/flows/deps';
import { defaultCoreDeps } from './lib/wiring/core';
import { createHttpHandler, type HttpHandler } from './lib/http/handler';
import { json } from './lib/http/response';
import { requestMeta } from './lib/http/request';
import type { DepsInput } from './lib/http/lazy';
import { createLogger } from './lib/telemetry/logger';
import { deliverPair, presentedRefreshToken } from './lib/http/token-delivery';

/** `POST /api/auth/refresh` with `{refresh_token}`: a new pair (the old token is spent), or 401 invalid_grant. */
export function createHandler(deps: DepsInput<CoreDeps>): HttpHandler {
  return createHttpHandler(deps, createLogger(), async (event, d) => {
    const token = presentedRefreshToken(event, d.web);
    const { body, headers } = deliverPair(await refresh(token, requestMeta(event), d), d);
    return json(200, body, headers);
  });
}

export const handler = createHandler(defaultCoreDeps);
