import { logout } from './lib/flows/logout';
import type { CoreDeps } from './lib/flows/deps';
import { defaultCoreDeps } from './lib/wiring/core';
import { createHttpHandler, type HttpHandler } from './lib/http/handler';
import { noContent } from './lib/http/response';
import { requestMeta } from './lib/http/request';
import type { DepsInput } from './lib/http/lazy';
import { createLogger } from './lib/telemetry/logger';
import { clearCookieHeaders, presentedRefreshToken } from './lib/http/token-delivery';

/** `POST /api/auth/logout` with `{refresh_token}`: 204, whether or not the token was live (RFC 7009 §2.2). */
export function createHandler(deps: DepsInput<CoreDeps>): HttpHandler {
  return createHttpHandler(deps, createLogger(), async (event, d) => {
    await logout(presentedRefreshToken(event, d.web), requestMeta(event), d);
    return { ...noContent(), headers: { ...noContent().headers, ...clearCookieHeaders(d.web) } };
  });
}

export const handler = createHandler(defaultCoreDeps);
