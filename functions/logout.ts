import { logout } from './lib/core/logout';
import type { CoreDeps } from './lib/core/types';
import { defaultCoreDeps } from './lib/core-deps';
import { createHttpHandler, noContent, readBody, requestMeta, type HttpHandler } from './lib/http';
import type { DepsInput } from './lib/lazy';
import { REQUEST_BODIES } from './lib/schemas';
import { createLogger } from './lib/logger';

/** `POST /api/auth/logout` with `{refresh_token}`: 204, whether or not the token was live (RFC 7009 §2.2). */
export function createHandler(deps: DepsInput<CoreDeps>): HttpHandler {
  return createHttpHandler(deps, createLogger(), async (event, d) => {
    await logout(readBody(event, REQUEST_BODIES.logout).refresh_token, requestMeta(event), d);
    return noContent();
  });
}

export const handler = createHandler(defaultCoreDeps);
