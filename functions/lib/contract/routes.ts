/**
 * The route table: the one list of what the API serves. The authorizer builds its policy from
 * it, the local runtime routes with it and the CDK stack creates methods from it. Plain data,
 * so a Lambda bundle that imports it pulls in nothing else.
 */

/** Entry points under `functions/`, by file name. */
export type HandlerName =
  | 'login'
  | 'refresh'
  | 'logout'
  | 'register'
  | 'validate'
  | 'jwks'
  | 'me'
  | 'sessions'
  | 'password'
  | 'admin'
  | 'token'
  | 'mfa'
  | 'recovery'
  | 'console';

import { ADMIN_ROLE } from './roles';

/** HTTP methods a route may use. */
export const HTTP_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;
export type HttpMethod = (typeof HTTP_METHODS)[number];

/**
 * Who may call a route: anyone; or a signed-in user holding any one of `roles` (an empty list:
 * any user); or a machine client whose token carries any one of `scopes`; or both kinds. A route
 * without `roles` takes no user's token, and one without `scopes` no client's.
 */
export type RouteAccess = 'public' | ({ readonly roles?: readonly string[]; readonly scopes?: readonly string[] } & StepUpRule);

/**
 * What a route asks of a user's authentication (RFC 9470): `mfa`, a sign-in or step-up with a
 * second factor (`amr` has `mfa`); `maxAge`, one at most this many seconds ago (`auth_time`).
 */
export interface StepUpRule {
  readonly mfa?: boolean;
  readonly maxAge?: number;
}

/** One method on one API Gateway resource path (`{name}` marks a path parameter). */
export interface Route {
  readonly method: HttpMethod;
  readonly path: string;
  readonly handler: HandlerName;
  readonly access: RouteAccess;
  /**
   * The API Gateway capacity limit it shares: `credentials` for the routes that run bcrypt,
   * `refresh` for refresh. Absent: the stage's limit only.
   */
  readonly throttle?: 'credentials' | 'refresh';
  /** Served only when this setting is on (`mail`: where an outbox for mail is configured). */
  readonly enabledBy?: 'selfRegistration' | 'mail' | 'adminConsole';
  /**
   * One of the routes a user whose role requires a second factor may call before they have one
   * (`mfaRequiredRoles`): the routes that enrol it. Every other route refuses them.
   */
  readonly enrolment?: true;
}

/** Every route of the API. */
export const ROUTES: readonly Route[] = [
  { method: 'POST', path: '/api/auth/login', handler: 'login', access: 'public', throttle: 'credentials' },
  { method: 'POST', path: '/api/auth/refresh', handler: 'refresh', access: 'public', throttle: 'refresh' },
  { method: 'POST', path: '/api/auth/logout', handler: 'logout', access: 'public' },
  // OAuth 2.0 for machine clients (services, jobs): the client credentials grant.
  { method: 'POST', path: '/oauth2/token', handler: 'token', access: 'public' },
  { method: 'POST', path: '/oauth2/introspect', handler: 'token', access: 'public' },
  { method: 'POST', path: '/oauth2/revoke', handler: 'token', access: 'public' },
  {
    method: 'POST',
    path: '/api/auth/register',
    handler: 'register',
    access: 'public',
    throttle: 'credentials',
    enabledBy: 'selfRegistration',
  },
  // Checks its own token, for services that are not behind the gateway.
  { method: 'GET', path: '/api/auth/validate', handler: 'validate', access: 'public' },
  { method: 'GET', path: '/.well-known/jwks.json', handler: 'jwks', access: 'public' },
  // The API itself, as OpenAPI 3.1: the same document /docs renders locally.
  { method: 'GET', path: '/openapi.json', handler: 'jwks', access: 'public' },
  // OpenID discovery: where standard verifiers (and API Gateway JWT authorizers) find the keys.
  { method: 'GET', path: '/.well-known/openid-configuration', handler: 'jwks', access: 'public' },
  { method: 'GET', path: '/.well-known/oauth-authorization-server', handler: 'jwks', access: 'public' },
  // The admin console's page, script and style sheet; the page signs in and calls the admin API.
  { method: 'GET', path: '/admin', handler: 'console', access: 'public', enabledBy: 'adminConsole' },
  { method: 'GET', path: '/admin/console.js', handler: 'console', access: 'public', enabledBy: 'adminConsole' },
  { method: 'GET', path: '/admin/console.css', handler: 'console', access: 'public', enabledBy: 'adminConsole' },
  { method: 'GET', path: '/api/me', handler: 'me', access: { roles: [] } },
  // The caller's own security (ASVS 7.5.2, 6.2.3).
  { method: 'GET', path: '/api/auth/sessions', handler: 'sessions', access: { roles: [] } },
  { method: 'DELETE', path: '/api/auth/sessions/{sid}', handler: 'sessions', access: { roles: [] } },
  { method: 'POST', path: '/api/auth/logout-all', handler: 'sessions', access: { roles: [] } },
  { method: 'POST', path: '/api/auth/password', handler: 'password', access: { roles: [] }, throttle: 'credentials' },
  // Recovery by email: a reset link to a verified address, the reset, and proving an address.
  { method: 'POST', path: '/api/auth/password/forgot', handler: 'recovery', access: 'public', enabledBy: 'mail' },
  { method: 'POST', path: '/api/auth/password/reset', handler: 'recovery', access: 'public', throttle: 'credentials', enabledBy: 'mail' },
  { method: 'POST', path: '/api/auth/email/verify', handler: 'recovery', access: 'public', enabledBy: 'mail' },
  { method: 'POST', path: '/api/auth/email', handler: 'recovery', access: { roles: [] }, enabledBy: 'mail' },
  // A temporary password (an admin reset) opens no session until it is replaced here.
  { method: 'POST', path: '/api/auth/password/temporary', handler: 'password', access: 'public', throttle: 'credentials' },
  // Second factors (ASVS 6.5): the second step of a sign-in, step-up, and the caller's own factors.
  { method: 'POST', path: '/api/auth/mfa/verify', handler: 'mfa', access: 'public', throttle: 'credentials' },
  { method: 'POST', path: '/api/auth/mfa/step-up', handler: 'mfa', access: { roles: [] }, throttle: 'credentials', enrolment: true },
  { method: 'GET', path: '/api/auth/mfa', handler: 'mfa', access: { roles: [] }, enrolment: true },
  { method: 'POST', path: '/api/auth/mfa/totp', handler: 'mfa', access: { roles: [] }, enrolment: true },
  { method: 'POST', path: '/api/auth/mfa/totp/confirm', handler: 'mfa', access: { roles: [] }, throttle: 'credentials', enrolment: true },
  { method: 'DELETE', path: '/api/auth/mfa/totp', handler: 'mfa', access: { roles: [] } },
  { method: 'POST', path: '/api/auth/mfa/recovery-codes', handler: 'mfa', access: { roles: [] } },
  // Passkeys (WebAuthn): registration and removal, and sign-in without a password.
  { method: 'POST', path: '/api/auth/passkeys/register/options', handler: 'mfa', access: { roles: [] }, enrolment: true },
  { method: 'POST', path: '/api/auth/passkeys/register', handler: 'mfa', access: { roles: [] }, enrolment: true },
  { method: 'DELETE', path: '/api/auth/passkeys/{id}', handler: 'mfa', access: { roles: [] } },
  { method: 'POST', path: '/api/auth/passkeys/options', handler: 'mfa', access: 'public' },
  { method: 'POST', path: '/api/auth/passkeys/login', handler: 'mfa', access: 'public', throttle: 'credentials' },
  // An admin-only example: answers like /api/me, for callers with the admin role.
  { method: 'GET', path: '/api/admin/ping', handler: 'me', access: { roles: ['admin'] } },
  // A machine-client example: answers like /api/me, for a client token with the ping scope.
  { method: 'GET', path: '/api/machine/ping', handler: 'me', access: { scopes: ['ping'] } },
  // Administration over HTTP: what the admin CLI does.
  { method: 'GET', path: '/api/admin/activity', handler: 'admin', access: { roles: ['admin'] } },
  { method: 'GET', path: '/api/admin/users', handler: 'admin', access: { roles: ['admin'] } },
  { method: 'POST', path: '/api/admin/users', handler: 'admin', access: { roles: ['admin'] } },
  { method: 'GET', path: '/api/admin/users/{username}', handler: 'admin', access: { roles: ['admin'] } },
  { method: 'POST', path: '/api/admin/users/{username}/disable', handler: 'admin', access: { roles: ['admin'] } },
  { method: 'POST', path: '/api/admin/users/{username}/enable', handler: 'admin', access: { roles: ['admin'] } },
  { method: 'PUT', path: '/api/admin/users/{username}/roles', handler: 'admin', access: { roles: ['admin'] } },
  { method: 'GET', path: '/api/admin/users/{username}/sessions', handler: 'admin', access: { roles: ['admin'] } },
  { method: 'DELETE', path: '/api/admin/users/{username}/sessions/{sid}', handler: 'admin', access: { roles: ['admin'] } },
  { method: 'POST', path: '/api/admin/users/{username}/revoke-sessions', handler: 'admin', access: { roles: ['admin'] } },
  { method: 'POST', path: '/api/admin/users/{username}/reset-password', handler: 'admin', access: { roles: ['admin'] } },
  { method: 'GET', path: '/api/admin/users/{username}/events', handler: 'admin', access: { roles: ['admin'] } },
  { method: 'GET', path: '/api/admin/users/{username}/factors', handler: 'admin', access: { roles: ['admin'] } },
  { method: 'POST', path: '/api/admin/users/{username}/reset-factors', handler: 'admin', access: { roles: ['admin'] } },
  // Machine clients: what the CLI's clients commands do.
  { method: 'GET', path: '/api/admin/clients', handler: 'admin', access: { roles: ['admin'] } },
  { method: 'POST', path: '/api/admin/clients', handler: 'admin', access: { roles: ['admin'] } },
  { method: 'GET', path: '/api/admin/clients/{clientId}', handler: 'admin', access: { roles: ['admin'] } },
  { method: 'DELETE', path: '/api/admin/clients/{clientId}', handler: 'admin', access: { roles: ['admin'] } },
  { method: 'POST', path: '/api/admin/clients/{clientId}/disable', handler: 'admin', access: { roles: ['admin'] } },
  { method: 'POST', path: '/api/admin/clients/{clientId}/enable', handler: 'admin', access: { roles: ['admin'] } },
  { method: 'POST', path: '/api/admin/clients/{clientId}/rotate-secret', handler: 'admin', access: { roles: ['admin'] } },
  { method: 'DELETE', path: '/api/admin/clients/{clientId}/secrets/{secretId}', handler: 'admin', access: { roles: ['admin'] } },
  { method: 'PUT', path: '/api/admin/clients/{clientId}/scopes', handler: 'admin', access: { roles: ['admin'] } },
  { method: 'PUT', path: '/api/admin/clients/{clientId}/audiences', handler: 'admin', access: { roles: ['admin'] } },
];

/**
 * What API Gateway caches an authorizer's answer by: the token, and the route it was asked for
 * (method and resource path). Each cached policy then answers for one route only, exactly. The
 * CDK construct and the local gateway both key their caches on these.
 */
export const AUTHORIZER_IDENTITY_SOURCES = { header: 'Authorization', context: ['httpMethod', 'resourcePath'] } as const;

/** How long API Gateway (and the local gateway) keeps an authorizer's answer, by default, and at most. */
export const AUTHORIZER_CACHE_SECONDS = { default: 300, max: 3600 } as const;

/** What the authorizer's policy needs of a route: ours, or one a team added behind our authorizer (see route-list.ts). */
export type PolicyRoute = Pick<Route, 'method' | 'path' | 'access' | 'enrolment'>;

/**
 * The routes as a deployment serves them: with `adminRoutesRequireMfa` (the default), every
 * route only admins may call also needs a second factor. The construct and the local runtime
 * both build the authorizer's list with this.
 */
export function withAdminStepUp<R extends PolicyRoute>(routes: readonly R[], settings: { readonly adminRoutesRequireMfa: boolean }): R[] {
  if (!settings.adminRoutesRequireMfa) return [...routes];
  return routes.map((r) =>
    r.access !== 'public' && r.access.roles?.length === 1 && r.access.roles[0] === ADMIN_ROLE
      ? { ...r, access: { ...r.access, mfa: true } }
      : r,
  );
}

/** Does a caller with `roles` pass this route's access rule? */
export function isPermitted(route: PolicyRoute, roles: readonly string[]): boolean {
  if (route.access === 'public') return true;
  const allowed = route.access.roles;
  return allowed !== undefined && (allowed.length === 0 || allowed.some((r) => roles.includes(r)));
}

/** Does a machine client whose token carries `scopes` pass this route's access rule? Only a route that lists scopes takes clients. */
export function isPermittedForClient(route: PolicyRoute, scopes: readonly string[]): boolean {
  if (route.access === 'public') return true;
  const allowed = route.access.scopes;
  return allowed?.some((s) => scopes.includes(s)) === true;
}

/** Where an `mfa_token` is answered: also its audience, so it is useless anywhere else. */
export const MFA_VERIFY_PATH = '/api/auth/mfa/verify';

/** The path prefix every route of the auth endpoints shares (the WAF's rate rule counts under it). */
export const AUTH_PATH_PREFIX = '/api/auth/';

/** The path prefix of the OAuth endpoints (token, introspection, revocation), counted with the auth routes. */
export const OAUTH_PATH_PREFIX = '/oauth2/';

/** What a CORS preflight allows, for the listed origins only: the construct and the local gateway answer the same. */
export const CORS_PREFLIGHT = {
  methods: [...HTTP_METHODS, 'OPTIONS'],
  headers: ['Content-Type', 'Authorization', 'X-Requested-With'],
  maxAgeSeconds: 3600,
} as const;
