import { logout } from './lib/core/logout';
import type { CoreDeps } from './lib/core/types';
import { defaultCoreDeps } from './lib/core-deps';
import { createHttpHandler, noContent, requestMeta, type HttpHandler } from './lib/http';
import type { DepsInput } from './lib/lazy';
import { createLogger } from './lib/logger';
import { clearCookieHeaders, presentedRefreshToken } from './lib/web';

/** `POST /api/auth/logout` with `{refresh_token}`: 204, whether or not the token was live (RFC 7009 §2.2). */
export function createHandler(deps: DepsInput<CoreDeps>): HttpHandler {
  return createHttpHandler(deps, createLogger(), async (event, d) => {
    await logout(presentedRefreshToken(event, d.web), requestMeta(event), d);
    return { ...noContent(), headers: { ...noContent().headers, ...clearCookieHeaders(d.web) } };
  });
}

export const handler = createHandler(defaultCoreDeps);
