import {
  activityForAdmin,
  getUserForAdmin,
  listUsersForAdmin,
  requireActiveAdmin,
  resetPassword,
  resetUserFactors,
  revokeUserSessions,
  setUserRoles,
  setUserStatus,
  userEvents,
  userFactors,
  endUserSession,
  userSessionsForAdmin,
} from './lib/flows/admin';
import type { CoreDeps } from './lib/flows/deps';
import { createUser } from './lib/flows/users';
import {
  deleteClient,
  listClients,
  registerClient,
  revokeClientSecret,
  rotateClientSecret,
  setClientAudiences,
  setClientScopes,
  setClientStatus,
  showClient,
} from './lib/flows/clients';
import { noContent } from './lib/http/response';
import { defaultCoreDeps } from './lib/wiring/core';
import { InvalidRequestError, NotFoundError } from './lib/domain/errors';
import { callerOf, pathParam, readBody, requestMeta } from './lib/http/request';
import { createHttpHandler, type HttpHandler } from './lib/http/handler';
import { json } from './lib/http/response';
import type { DepsInput } from './lib/http/lazy';
import { REQUEST_BODIES } from './lib/contract/schemas';
import { createLogger } from './lib/telemetry/logger';

function pageParams(query: Record<string, string | undefined> | null) {
  const raw = query?.limit ?? '50';
  const limit = Number(raw);
  if (!Number.isInteger(limit) || limit < 1 || limit > 100) throw new InvalidRequestError('limit must be an integer from 1 to 100');
  const cursor = query?.cursor;
  if (cursor !== undefined && cursor.length > 256) throw new InvalidRequestError('cursor is too long');
  return { limit, cursor };
}

/**
 * `/api/admin/users...` and `/api/admin/clients...` for callers with the admin role (the authorizer's policy enforces it):
 * the operations of the admin CLI, over the same core functions.
 */
export function createHandler(deps: DepsInput<CoreDeps>): HttpHandler {
  return createHttpHandler(deps, createLogger(), async (event, d) => {
    await requireActiveAdmin(callerOf(event, d), d);
    const meta = requestMeta(event);
    const route = `${event.httpMethod} ${event.resource}`;
    switch (route) {
      case 'GET /api/admin/activity':
        return json(200, await activityForAdmin(d));
      case 'GET /api/admin/users': {
        const { limit, cursor } = pageParams(event.queryStringParameters);
        const prefix = event.queryStringParameters?.prefix || undefined;
        return json(200, await listUsersForAdmin(limit, cursor, d, prefix));
      }
      case 'POST /api/admin/users': {
        const body = readBody(event, REQUEST_BODIES.adminCreateUser);
        return json(201, await createUser({ username: body.username, password: body.password, roles: body.roles }, meta, d));
      }
      case 'GET /api/admin/users/{username}':
        return json(200, await getUserForAdmin(pathParam(event, 'username'), d));
      case 'POST /api/admin/users/{username}/disable':
        return json(200, await setUserStatus(pathParam(event, 'username'), 'disabled', meta, d));
      case 'POST /api/admin/users/{username}/enable':
        return json(200, await setUserStatus(pathParam(event, 'username'), 'active', meta, d));
      case 'PUT /api/admin/users/{username}/roles':
        return json(200, await setUserRoles(pathParam(event, 'username'), readBody(event, REQUEST_BODIES.adminRoles).roles, meta, d));
      case 'GET /api/admin/users/{username}/sessions':
        return json(200, { sessions: await userSessionsForAdmin(pathParam(event, 'username'), d) });
      case 'DELETE /api/admin/users/{username}/sessions/{sid}':
        await endUserSession(pathParam(event, 'username'), pathParam(event, 'sid'), meta, d);
        return noContent();
      case 'POST /api/admin/users/{username}/revoke-sessions':
        return json(200, { ended: await revokeUserSessions(pathParam(event, 'username'), meta, d) });
      case 'POST /api/admin/users/{username}/reset-password':
        return json(200, await resetPassword(pathParam(event, 'username'), meta, d));
      case 'GET /api/admin/users/{username}/factors':
        return json(200, await userFactors(pathParam(event, 'username'), d));
      case 'POST /api/admin/users/{username}/reset-factors':
        return json(200, await resetUserFactors(pathParam(event, 'username'), meta, d));
      case 'GET /api/admin/users/{username}/events': {
        const { limit, cursor } = pageParams(event.queryStringParameters);
        return json(200, await userEvents(pathParam(event, 'username'), limit, cursor, d));
      }
      // Machine clients: what `npm run users -- clients ...` does. A new secret is answered once.
      case 'GET /api/admin/clients':
        return json(200, { clients: await listClients(d) });
      case 'POST /api/admin/clients': {
        const body = readBody(event, REQUEST_BODIES.adminCreateClient);
        const ttl = body.access_token_ttl_seconds as unknown as number | undefined;
        const { client, clientSecret } = await registerClient(
          {
            name: body.name,
            scopes: body.scopes ?? [],
            audiences: body.audiences ?? [d.audience],
            accessTokenTtlSeconds: ttl,
            authMethod: body.auth_method as never,
            jwks: (body as { jwks?: unknown }).jwks,
          },
          meta,
          d,
        );
        return json(201, { client, client_secret: clientSecret });
      }
      case 'GET /api/admin/clients/{clientId}':
        return json(200, await showClient(pathParam(event, 'clientId'), d));
      case 'DELETE /api/admin/clients/{clientId}':
        await deleteClient(pathParam(event, 'clientId'), meta, d);
        return noContent();
      case 'POST /api/admin/clients/{clientId}/disable':
        return json(200, await setClientStatus(pathParam(event, 'clientId'), 'disabled', meta, d));
      case 'POST /api/admin/clients/{clientId}/enable':
        return json(200, await setClientStatus(pathParam(event, 'clientId'), 'active', meta, d));
      case 'POST /api/admin/clients/{clientId}/rotate-secret': {
        const { client, clientSecret } = await rotateClientSecret(pathParam(event, 'clientId'), meta, d);
        return json(200, { client, client_secret: clientSecret });
      }
      case 'DELETE /api/admin/clients/{clientId}/secrets/{secretId}':
        return json(200, await revokeClientSecret(pathParam(event, 'clientId'), pathParam(event, 'secretId'), meta, d));
      case 'PUT /api/admin/clients/{clientId}/scopes':
        return json(200, await setClientScopes(pathParam(event, 'clientId'), readBody(event, REQUEST_BODIES.adminScopes).scopes, meta, d));
      case 'PUT /api/admin/clients/{clientId}/audiences':
        return json(
          200,
          await setClientAudiences(pathParam(event, 'clientId'), readBody(event, REQUEST_BODIES.adminAudiences).audiences, meta, d),
        );
      default:
        throw new NotFoundError('no such route');
    }
  });
}

export const handler = createHandler(defaultCoreDeps);
