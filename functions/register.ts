import type { CoreDeps } from './lib/flows/deps';
import { register } from './lib/flows/users';
import { defaultCoreDeps } from './lib/wiring/core';
import { NotFoundError } from './lib/domain/errors';
import { createHttpHandler, type HttpHandler } from './lib/http/handler';
import { json } from './lib/http/response';
import { readBody, requestMeta } from './lib/http/request';
import type { DepsInput } from './lib/http/lazy';
import { REQUEST_BODIES } from './lib/contract/schemas';
import { createLogger } from './lib/telemetry/logger';

/** `POST /api/auth/register` with `{username, password}`: 201, 409 user_exists, or 404 when switched off. */
export function createHandler(deps: DepsInput<CoreDeps>): HttpHandler {
  return createHttpHandler(deps, createLogger(), async (event, d) => {
    // Switched off, the route answers as if it did not exist, before looking at the body.
    if (!d.selfRegistration) throw new NotFoundError('self-registration is disabled');
    const { username, password, email } = readBody(event, REQUEST_BODIES.register);
    const input = { username, password, email };
    return json(201, await register(input, requestMeta(event), d));
  });
}

export const handler = createHandler(defaultCoreDeps);
