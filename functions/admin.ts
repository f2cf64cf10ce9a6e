import {
  getUserForAdmin,
  listUsersForAdmin,
  requireActiveAdmin,
  resetPassword,
  revokeUserSessions,
  setUserRoles,
  setUserStatus,
  userEvents,
} from './lib/flows/admin';
import type { CoreDeps } from './lib/flows/deps';
import { createUser } from './lib/flows/users';
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
 * `/api/admin/users...` for callers with the admin role (the authorizer's policy enforces it):
 * the operations of the admin CLI, over the same core functions.
 */
export function createHandler(deps: DepsInput<CoreDeps>): HttpHandler {
  return createHttpHandler(deps, createLogger(), async (event, d) => {
    await requireActiveAdmin(callerOf(event, d), d);
    const meta = requestMeta(event);
    const route = `${event.httpMethod} ${event.resource}`;
    switch (route) {
      case 'GET /api/admin/users': {
        const { limit, cursor } = pageParams(event.queryStringParameters);
        return json(200, await listUsersForAdmin(limit, cursor, d));
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
      case 'POST /api/admin/users/{username}/revoke-sessions':
        return json(200, { ended: await revokeUserSessions(pathParam(event, 'username'), meta, d) });
      case 'POST /api/admin/users/{username}/reset-password':
        return json(200, await resetPassword(pathParam(event, 'username'), meta, d));
      case 'GET /api/admin/users/{username}/events': {
        const { limit, cursor } = pageParams(event.queryStringParameters);
        return json(200, await userEvents(pathParam(event, 'username'), limit, cursor, d));
      }
      default:
        throw new NotFoundError('no such route');
    }
  });
}

export const handler = createHandler(defaultCoreDeps);
