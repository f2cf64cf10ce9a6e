import { systemClock, type Clock } from './lib/domain/clock';
import { loadSettings } from './lib/wiring/config';
import { callerOf } from './lib/http/request';
import { machineCallerFromContext } from './lib/contract/authorizer-context';
import { createHttpHandler, type HttpHandler } from './lib/http/handler';
import { json } from './lib/http/response';
import type { AuthLogger } from './lib/telemetry/events';
import { createLogger } from './lib/telemetry/logger';

/** What `/api/me` needs: a logger, and the clock and tolerance that decide whether a token has expired. */
export interface MeDeps {
  readonly logger: AuthLogger;
  readonly now: Clock;
  readonly clockToleranceSeconds: number;
  /** Browser origins that get CORS headers. @default none */
  readonly web?: { readonly allowedOrigins: readonly string[] };
}

/**
 * `GET /api/me`, the protected example route (and `/api/admin/ping` and `/api/machine/ping`):
 * answers who the authorizer said the caller is, a user or a machine client.
 * It trusts only the authorizer context, which API Gateway sets and clients cannot.
 */
export function createHandler(deps: MeDeps = defaultMeDeps()): HttpHandler {
  return createHttpHandler(deps, deps.logger, async (event, d) => {
    // A machine client, on a route that takes clients' tokens: who it is and what it may do.
    const machine = machineCallerFromContext(event.requestContext?.authorizer, d);
    if (machine.caller) return json(200, { client_id: machine.caller.clientId, scope: machine.caller.scopes.join(' ') });
    const { sub, username, roles, actor } = callerOf(event, d);
    // A user through a client that got a token for them (token exchange): both.
    return json(200, { sub, username, roles, ...(actor && { client_id: actor.clientId, scope: actor.scopes.join(' ') }) });
  });
}

/** `/api/me` in Lambda: the settings it needs, from the environment. */
function defaultMeDeps(): MeDeps {
  const { clockToleranceSeconds, allowedOrigins } = loadSettings();
  return { logger: createLogger(), now: systemClock, clockToleranceSeconds, web: { allowedOrigins } };
}

export const handler = createHandler();
