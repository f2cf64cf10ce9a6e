import { endSession, listSessions, logoutAll } from './lib/flows/account';
import type { CoreDeps } from './lib/flows/deps';
import { defaultCoreDeps } from './lib/wiring/core';
import { NotFoundError } from './lib/domain/errors';
import { callerOf, pathParam, requestMeta } from './lib/http/request';
import { createHttpHandler, type HttpHandler } from './lib/http/handler';
import { json, noContent } from './lib/http/response';
import type { DepsInput } from './lib/http/lazy';
import { createLogger } from './lib/telemetry/logger';

/**
 * The caller's own sessions (ASVS 7.5.2), behind the authorizer:
 * `GET /api/auth/sessions`, `DELETE /api/auth/sessions/{sid}`, `POST /api/auth/logout-all`.
 */
export function createHandler(deps: DepsInput<CoreDeps>): HttpHandler {
  return createHttpHandler(deps, createLogger(), async (event, d) => {
    const caller = callerOf(event, d);
    const route = `${event.httpMethod} ${event.resource}`;
    if (route === 'GET /api/auth/sessions') return json(200, { sessions: await listSessions(caller, d) });
    if (route === 'DELETE /api/auth/sessions/{sid}') {
      await endSession(caller, pathParam(event, 'sid'), requestMeta(event), d);
      return noContent();
    }
    if (route === 'POST /api/auth/logout-all') {
      await logoutAll(caller, requestMeta(event), d);
      return noContent();
    }
    throw new NotFoundError('no such route');
  });
}

export const handler = createHandler(defaultCoreDeps);
