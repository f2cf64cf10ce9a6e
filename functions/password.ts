import { changePassword } from './lib/core/account';
import type { CoreDeps } from './lib/core/types';
import { defaultCoreDeps } from './lib/core-deps';
import { callerOf, createHttpHandler, json, readBody, requestMeta, type HttpHandler } from './lib/http';
import type { DepsInput } from './lib/lazy';
import { REQUEST_BODIES } from './lib/schemas';
import { createLogger } from './lib/logger';

/**
 * `POST /api/auth/password` with `{current_password, new_password}`, behind the authorizer:
 * ends every other session and answers a fresh access token for this one.
 */
export function createHandler(deps: DepsInput<CoreDeps>): HttpHandler {
  return createHttpHandler(deps, createLogger(), async (event, d) => {
    const caller = callerOf(event, d);
    const body = readBody(event, REQUEST_BODIES.password);
    const input = { currentPassword: body.current_password, newPassword: body.new_password };
    return json(200, await changePassword(caller, input, requestMeta(event), d));
  });
}

export const handler = createHandler(defaultCoreDeps);
