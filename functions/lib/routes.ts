/**
 * The route table: the one list of what the API serves. The authorizer builds its policy from
 * it, the local runtime routes with it and the CDK stack creates methods from it. Plain data,
 * so a Lambda bundle that imports it pulls in nothing else.
 */

/** Entry points under `functions/`, by file name. */
export type HandlerName = 'login' | 'refresh' | 'logout' | 'register' | 'validate' | 'jwks' | 'me';

/** HTTP methods the API uses. */
export type HttpMethod = 'GET' | 'POST' | 'DELETE';

/** Who may call a route: anyone, or a signed-in user holding any one of `roles` (none listed: any user). */
export type RouteAccess = 'public' | { readonly roles: readonly string[] };

/** One method on one API Gateway resource path (`{name}` marks a path parameter). */
export interface Route {
  readonly method: HttpMethod;
  readonly path: string;
  readonly handler: HandlerName;
  readonly access: RouteAccess;
}

/** Every route of the API. */
export const ROUTES: readonly Route[] = [
  { method: 'POST', path: '/api/auth/login', handler: 'login', access: 'public' },
  { method: 'POST', path: '/api/auth/refresh', handler: 'refresh', access: 'public' },
  { method: 'POST', path: '/api/auth/logout', handler: 'logout', access: 'public' },
  { method: 'POST', path: '/api/auth/register', handler: 'register', access: 'public' },
  // Checks its own token, for services that are not behind the gateway.
  { method: 'GET', path: '/api/auth/validate', handler: 'validate', access: 'public' },
  { method: 'GET', path: '/.well-known/jwks.json', handler: 'jwks', access: 'public' },
  { method: 'GET', path: '/api/me', handler: 'me', access: { roles: [] } },
  // An admin-only example: answers like /api/me, for callers with the admin role.
  { method: 'GET', path: '/api/admin/ping', handler: 'me', access: { roles: ['admin'] } },
];

/** Does a caller with `roles` pass this route's access rule? */
export function isPermitted(route: Route, roles: readonly string[]): boolean {
  if (route.access === 'public') return true;
  return route.access.roles.length === 0 || route.access.roles.some((r) => roles.includes(r));
}
