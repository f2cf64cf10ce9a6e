import { ROUTES, type HttpMethod, type Route } from './routes';
import { REQUEST_BODIES, SCHEMAS, type SchemaName } from './schemas';

type Responses = Readonly<Record<number, SchemaName | null>>;
interface RouteDoc {
  readonly summary: string;
  readonly body?: keyof typeof REQUEST_BODIES;
  /** The body is form-encoded (OAuth), not JSON. */
  readonly form?: true;
  readonly responses: Responses;
}

/** The package's version (package.json), which the document carries: a test keeps them equal. */
export const API_VERSION = '0.2.0';

const common = { 400: 'Error', 415: 'Error', 429: 'Error', 500: 'Error', 503: 'Error' } as const;
const authed = { 401: 'Error', 403: 'Error' } as const;

/** What each route takes and answers. Every route of the route table must be here (a test checks). */
const DOCS: Readonly<Record<string, RouteDoc>> = {
  'POST /api/auth/login': {
    summary:
      'Log in with a username and password (403 mfa_required with an mfa_token for an account with a second factor; 403 password_change_required for a temporary password)',
    body: 'login',
    responses: { 200: 'TokenPair', 401: 'Error', 403: 'SignInRefused', ...common },
  },
  'POST /api/auth/password/forgot': {
    summary: "A reset link to the account's verified address: 202 and the same body whether or not there is one (429 past the mail limits)",
    body: 'forgot',
    responses: { 202: 'Accepted', 404: 'Error', ...common },
  },
  'POST /api/auth/password/reset': {
    summary:
      "Choose a new password with the link's token: every session ends, the address counts as verified (403 mfa_required: add code or recovery_code)",
    body: 'reset',
    responses: { 204: null, 401: 'Error', 403: 'SignInRefused', 404: 'Error', ...common },
  },
  'POST /api/auth/email/verify': {
    summary: "Prove an email address with the link's token (one use, 24 hours)",
    body: 'emailVerify',
    responses: { 204: null, 401: 'Error', 404: 'Error', ...common },
  },
  'POST /api/auth/email': {
    summary:
      'Add or change the address: a link to the new one, a notice to the old; it takes effect once the link is followed (needs a recent second factor)',
    body: 'emailChange',
    responses: { 202: 'Accepted', 404: 'Error', ...authed, ...common },
  },
  'POST /api/auth/password/temporary': {
    summary: 'Replace a temporary password (from an admin reset) and log in',
    body: 'temporaryPassword',
    responses: { 200: 'TokenPair', 401: 'Error', 403: 'SignInRefused', ...common },
  },
  'POST /api/auth/refresh': {
    summary: 'Exchange a refresh token for a new pair (rotation)',
    body: 'refresh',
    responses: { 200: 'TokenPair', 401: 'Error', ...common },
  },
  'POST /api/auth/logout': {
    summary: 'End the session of a refresh token (RFC 7009)',
    body: 'logout',
    responses: { 204: null, ...common },
  },
  'POST /api/auth/register': {
    summary: 'Sign up (when enabled)',
    body: 'register',
    responses: { 201: 'User', 404: 'Error', 409: 'Error', ...common },
  },
  'POST /oauth2/token': {
    summary: 'OAuth 2.0 token endpoint: client credentials (RFC 6749 §4.4); client authentication by HTTP Basic or the form',
    body: 'token',
    form: true,
    responses: { 200: 'ClientToken', 401: 'Error', ...common },
  },
  'POST /oauth2/introspect': {
    summary: 'Token introspection (RFC 7662) for an authenticated client: {active: false} for anything invalid, expired or revoked',
    body: 'introspect',
    form: true,
    responses: { 200: 'TokenIntrospection', 401: 'Error', ...common },
  },
  'POST /oauth2/revoke': {
    summary: "Token revocation (RFC 7009) by the token's client: ends every token the client holds",
    body: 'revoke',
    form: true,
    responses: { 200: 'Empty', 401: 'Error', ...common },
  },
  'GET /api/auth/validate': {
    summary: 'Check an access token (for services outside the gateway)',
    responses: { 200: 'Introspection', 401: 'TokenError', ...common },
  },
  'GET /.well-known/jwks.json': { summary: 'The public keys that verify access tokens', responses: { 200: 'Jwks', 500: 'Error' } },
  'GET /openapi.json': {
    summary: 'This document: every route, what it takes and what it answers (OpenAPI 3.1)',
    responses: { 200: 'OpenApi', 500: 'Error' },
  },
  'GET /.well-known/openid-configuration': {
    summary: 'Discovery: the issuer, jwks_uri and the OAuth endpoints',
    responses: { 200: 'Discovery', 500: 'Error' },
  },
  'GET /.well-known/oauth-authorization-server': {
    summary: 'Authorization server metadata (RFC 8414)',
    responses: { 200: 'Discovery', 500: 'Error' },
  },
  'GET /api/me': { summary: 'The caller', responses: { 200: 'User', ...authed, 500: 'Error' } },
  'GET /api/auth/sessions': { summary: "The caller's active sessions", responses: { 200: 'Sessions', ...authed, ...common } },
  'DELETE /api/auth/sessions/{sid}': {
    summary: "End one of the caller's sessions",
    responses: { 204: null, 404: 'Error', ...authed, ...common },
  },
  'POST /api/auth/logout-all': {
    summary: 'End every session and access token of the caller',
    responses: { 204: null, ...authed, ...common },
  },
  'POST /api/auth/password': {
    summary: 'Change the password',
    body: 'password',
    responses: { 200: 'AccessToken', 409: 'Error', ...authed, ...common },
  },
  'POST /api/auth/mfa/verify': {
    summary:
      'The second step of a sign-in: the mfa_token and one of a TOTP code, a recovery code or a passkey (5 wrong answers end the token)',
    body: 'mfaVerify',
    responses: { 200: 'TokenPair', 401: 'Error', ...common },
  },
  'POST /api/auth/mfa/step-up': {
    summary: "Prove a second factor again (RFC 9470): the session's tokens carry amr mfa and a new auth_time",
    body: 'stepUp',
    responses: { 200: 'AccessToken', ...authed, ...common },
  },
  'GET /api/auth/mfa': { summary: "The caller's second factors (never a secret)", responses: { 200: 'Factors', ...authed, ...common } },
  'POST /api/auth/mfa/totp': {
    summary: 'Start TOTP enrolment: a secret, its otpauth:// URI and a QR code, to confirm with a code',
    responses: { 200: 'TotpEnrolment', 409: 'Error', ...authed, ...common },
  },
  'POST /api/auth/mfa/totp/confirm': {
    summary: "Confirm TOTP with the app's current code; the first factor also answers ten recovery codes, once",
    body: 'totpConfirm',
    responses: { 200: 'Enrolled', 409: 'Error', ...authed, ...common },
  },
  'DELETE /api/auth/mfa/totp': {
    summary: 'Remove TOTP (needs a second factor in the last 15 minutes: 401 insufficient_user_authentication otherwise)',
    responses: { 204: null, 404: 'Error', ...authed, ...common },
  },
  'POST /api/auth/mfa/recovery-codes': {
    summary: 'Ten new recovery codes replace the old ones (needs a recent second factor)',
    responses: { 200: 'RecoveryCodes', 409: 'Error', ...authed, ...common },
  },
  'POST /api/auth/passkeys/register/options': {
    summary: 'Options for navigator.credentials.create(): a discoverable credential, user verification required',
    responses: { 200: 'PasskeyOptions', ...authed, ...common },
  },
  'POST /api/auth/passkeys/register': {
    summary: 'Register the passkey the browser created; the first factor also answers ten recovery codes, once',
    body: 'passkeyRegister',
    responses: { 200: 'Enrolled', 409: 'Error', ...authed, ...common },
  },
  'DELETE /api/auth/passkeys/{id}': {
    summary: 'Remove a passkey (needs a second factor in the last 15 minutes)',
    responses: { 204: null, 404: 'Error', ...authed, ...common },
  },
  'POST /api/auth/passkeys/options': {
    summary: 'Options for navigator.credentials.get(): with an mfa_token, for the second step; without, for a passkey sign-in or a step-up',
    body: 'passkeyOptions',
    responses: { 200: 'PasskeyOptions', 401: 'Error', ...common },
  },
  'POST /api/auth/passkeys/login': {
    summary: 'Sign in with a passkey alone (user verification makes it two factors: amr hwk or swk, and mfa)',
    body: 'passkeyLogin',
    responses: { 200: 'TokenPair', 401: 'Error', ...common },
  },
  'GET /api/admin/ping': { summary: 'Admin-only example', responses: { 200: 'User', ...authed, 500: 'Error' } },
  'GET /api/machine/ping': {
    summary: 'Machine-client example: a client token with the ping scope',
    responses: { 200: 'MachineCaller', ...authed, 500: 'Error' },
  },
  'GET /api/admin/users': {
    summary: "List users, a page at a time: ?limit= (1 to 100), ?cursor= (the last page's next), ?prefix= (names that start with it)",
    responses: { 200: 'UserPage', ...authed, ...common },
  },
  'POST /api/admin/users': {
    summary: 'Create a user',
    body: 'adminCreateUser',
    responses: { 201: 'User', 409: 'Error', ...authed, ...common },
  },
  'GET /api/admin/users/{username}': { summary: 'Get a user', responses: { 200: 'AdminUser', 404: 'Error', ...authed, ...common } },
  'POST /api/admin/users/{username}/disable': {
    summary: 'Disable a user',
    responses: { 200: 'AdminUser', 404: 'Error', ...authed, ...common },
  },
  'POST /api/admin/users/{username}/enable': {
    summary: 'Enable a user',
    responses: { 200: 'AdminUser', 404: 'Error', ...authed, ...common },
  },
  'PUT /api/admin/users/{username}/roles': {
    summary: "Replace a user's roles",
    body: 'adminRoles',
    responses: { 200: 'AdminUser', 404: 'Error', ...authed, ...common },
  },
  'GET /api/admin/users/{username}/sessions': {
    summary: "A user's live sessions, newest first (when, from where, with what)",
    responses: { 200: 'Sessions', 404: 'Error', ...authed, ...common },
  },
  'DELETE /api/admin/users/{username}/sessions/{sid}': {
    summary: "End one of a user's sessions: its refresh token at once, its access tokens at their next revocation check",
    responses: { 204: null, 404: 'Error', ...authed, ...common },
  },
  'POST /api/admin/users/{username}/revoke-sessions': {
    summary: 'End every session and token of a user',
    responses: { 200: 'Ended', 404: 'Error', ...authed, ...common },
  },
  'POST /api/admin/users/{username}/reset-password': {
    summary: 'Reset a password to a one-time temporary one',
    responses: { 200: 'TemporaryPassword', 404: 'Error', ...authed, ...common },
  },
  'GET /api/admin/clients': { summary: 'List machine clients', responses: { 200: 'Clients', ...authed, ...common } },
  'POST /api/admin/clients': {
    summary: 'Register a machine client; its secret is answered this once',
    body: 'adminCreateClient',
    responses: { 201: 'ClientWithSecret', ...authed, ...common },
  },
  'GET /api/admin/clients/{clientId}': { summary: 'A machine client', responses: { 200: 'Client', 404: 'Error', ...authed, ...common } },
  'DELETE /api/admin/clients/{clientId}': {
    summary: 'Delete a machine client (its tokens stop at the authorizer)',
    responses: { 204: null, 404: 'Error', ...authed, ...common },
  },
  'POST /api/admin/clients/{clientId}/disable': {
    summary: 'Disable a machine client and end its tokens',
    responses: { 200: 'Client', 404: 'Error', ...authed, ...common },
  },
  'POST /api/admin/clients/{clientId}/enable': {
    summary: 'Enable a machine client',
    responses: { 200: 'Client', 404: 'Error', ...authed, ...common },
  },
  'POST /api/admin/clients/{clientId}/rotate-secret': {
    summary: 'A new secret, answered once; the old one works one more day',
    responses: { 200: 'ClientWithSecret', 404: 'Error', ...authed, ...common },
  },
  'DELETE /api/admin/clients/{clientId}/secrets/{secretId}': {
    summary: 'End one secret now (409 for the only one)',
    responses: { 200: 'Client', 404: 'Error', 409: 'Error', ...authed, ...common },
  },
  'PUT /api/admin/clients/{clientId}/scopes': {
    summary: 'Replace the scopes a client may have',
    body: 'adminScopes',
    responses: { 200: 'Client', 404: 'Error', ...authed, ...common },
  },
  'PUT /api/admin/clients/{clientId}/audiences': {
    summary: 'Replace the audiences a client may have',
    body: 'adminAudiences',
    responses: { 200: 'Client', 404: 'Error', ...authed, ...common },
  },
  'GET /api/admin/users/{username}/factors': {
    summary: "A user's second factors (never a secret)",
    responses: { 200: 'Factors', 404: 'Error', ...authed, ...common },
  },
  'POST /api/admin/users/{username}/reset-factors': {
    summary: 'Remove every second factor and recovery code of a user (a lost device) and end their sessions; audited',
    responses: { 200: 'Ended', 404: 'Error', ...authed, ...common },
  },
  'GET /api/admin/activity': {
    summary: 'Sign-ins, failures, throttled attempts and reuse detections, hour by hour over the last 24 hours',
    responses: { 200: 'Activity', ...authed, ...common },
  },
  'GET /api/admin/users/{username}/events': {
    summary: "A user's audit trail",
    responses: { 200: 'AuditPage', 404: 'Error', ...authed, ...common },
  },
};

/** The documentation of a route, or undefined (a test keeps DOCS complete). */
export const routeDoc = (method: HttpMethod | string, path: string): RouteDoc | undefined => DOCS[`${method} ${path}`];

const ref = (name: SchemaName) => ({ $ref: `#/components/schemas/${name}` });

/** The OpenAPI 3.1 document of the API, built from the route table and the schemas. */
export function openApiDocument(serverUrl: string, routes: readonly Route[] = ROUTES): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  // The console's files are a web page, not API operations.
  for (const route of routes.filter((r) => r.handler !== 'console')) {
    const doc = routeDoc(route.method, route.path);
    if (!doc) throw new Error(`no OpenAPI documentation for ${route.method} ${route.path}`);
    const params = [...route.path.matchAll(/\{([^}]+)\}/g)].map((m) => ({
      name: m[1],
      in: 'path',
      required: true,
      schema: { type: 'string' },
    }));
    paths[route.path] ??= {};
    (paths[route.path] as Record<string, unknown>)[route.method.toLowerCase()] = {
      summary: doc.summary,
      ...(route.access !== 'public' && { security: [{ bearer: [] }] }),
      ...(params.length > 0 && { parameters: params }),
      ...(doc.body && {
        requestBody: {
          required: true,
          content: { [doc.form ? 'application/x-www-form-urlencoded' : 'application/json']: { schema: REQUEST_BODIES[doc.body] } },
        },
      }),
      responses: Object.fromEntries(
        Object.entries(doc.responses).map(([status, schema]) => [
          status,
          { description: `HTTP ${status}`, ...(schema && { content: { 'application/json': { schema: ref(schema) } } }) },
        ]),
      ),
    };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'aws-auth-service',
      version: API_VERSION,
      description: 'Login, rotating refresh tokens, revocation and a Lambda authorizer for API Gateway.',
    },
    servers: [{ url: serverUrl }],
    paths,
    components: { schemas: SCHEMAS, securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } } },
  };
}
