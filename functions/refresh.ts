import { refresh } from './lib/core/refresh';
import type { CoreDeps } from './lib/core/types';
import { defaultCoreDeps } from './lib/core-deps';
import { createHttpHandler, json, readBody, requestMeta, type HttpHandler } from './lib/http';
import type { DepsInput } from './lib/lazy';
import { REQUEST_BODIES } from './lib/schemas';
import { createLogger } from './lib/logger';

/** `POST /api/auth/refresh` with `{refresh_token}`: a new pair (the old token is spent), or 401 invalid_grant. */
export function createHandler(deps: DepsInput<CoreDeps>): HttpHandler {
  return createHttpHandler(deps, createLogger(), async (event, d) => {
    const token = readBody(event, REQUEST_BODIES.refresh).refresh_token;
    return json(200, await refresh(token, requestMeta(event), d));
  });
}

export const handler = createHandler(defaultCoreDeps);
