import { refresh } from './lib/core/refresh';
import type { CoreDeps } from './lib/core/types';
import { defaultCoreDeps } from './lib/core-deps';
import { createHttpHandler, json, requestMeta, type HttpHandler } from './lib/http';
import type { DepsInput } from './lib/lazy';
import { createLogger } from './lib/logger';
import { deliverPair, presentedRefreshToken } from './lib/web';

/** `POST /api/auth/refresh` with `{refresh_token}`: a new pair (the old token is spent), or 401 invalid_grant. */
export function createHandler(deps: DepsInput<CoreDeps>): HttpHandler {
  return createHttpHandler(deps, createLogger(), async (event, d) => {
    const token = presentedRefreshToken(event, d.web);
    const { body, headers } = deliverPair(await refresh(token, requestMeta(event), d), d);
    return json(200, body, headers);
  });
}

export const handler = createHandler(defaultCoreDeps);
