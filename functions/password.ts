import { changePassword } from './lib/flows/account';
import { replaceTemporaryPassword } from './lib/flows/temporary-password';
import type { CoreDeps } from './lib/flows/deps';
import { defaultCoreDeps } from './lib/wiring/core';
import { callerOf, readBody, requestMeta } from './lib/http/request';
import { createHttpHandler, type HttpHandler } from './lib/http/handler';
import { json } from './lib/http/response';
import type { DepsInput } from './lib/http/lazy';
import { REQUEST_BODIES } from './lib/contract/schemas';
import { createLogger } from './lib/telemetry/logger';
import { deliverPair } from './lib/http/token-delivery';

/**
 * `POST /api/auth/password` with `{current_password, new_password}`, behind the authorizer:
 * ends every other session and answers a fresh access token for this one.
 * `POST /api/auth/password/temporary` with `{username, password, new_password}`, public:
 * replaces a temporary password from an admin reset and answers a token pair, as login does.
 */
export function createHandler(deps: DepsInput<CoreDeps>): HttpHandler {
  return createHttpHandler(deps, createLogger(), async (event, d) => {
    if (event.resource === '/api/auth/password/temporary') {
      const body = readBody(event, REQUEST_BODIES.temporaryPassword);
      const input = { username: body.username, password: body.password, newPassword: body.new_password };
      const { body: pair, headers } = deliverPair(await replaceTemporaryPassword(input, requestMeta(event), d), d);
      return json(200, pair, headers);
    }
    const caller = callerOf(event, d);
    const body = readBody(event, REQUEST_BODIES.password);
    const input = { currentPassword: body.current_password, newPassword: body.new_password };
    return json(200, await changePassword(caller, input, requestMeta(event), d));
  });
}

export const handler = createHandler(defaultCoreDeps);
