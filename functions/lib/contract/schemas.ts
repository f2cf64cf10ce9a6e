/**
 * The API's request and response shapes as JSON Schema (plain data). The handlers validate
 * request bodies with these (`readBody` in http.ts), the OpenAPI document is built from them
 * (`openapi.ts`), and the end-to-end tests check every response against that document: one
 * truth, three uses.
 */
import { MAX_ROLES, ROLE_PATTERN } from './roles';
import { SCOPE_PATTERN } from './scopes';

export type JsonSchema = Readonly<Record<string, unknown>>;

const text = (maxLength = 4096, description?: string) => ({
  type: 'string' as const,
  minLength: 1,
  maxLength,
  ...(description && { description }),
});
const roles = { type: 'array' as const, minItems: 1, maxItems: MAX_ROLES, items: { type: 'string', pattern: ROLE_PATTERN } };
const scopes = { type: 'array' as const, minItems: 0, maxItems: 50, items: { type: 'string', pattern: SCOPE_PATTERN } };
const audiences = { type: 'array' as const, minItems: 1, maxItems: 10, items: { type: 'string', pattern: '^[a-zA-Z][a-zA-Z0-9+.-]*:' } };
const object = <P extends Record<string, object>, R extends keyof P & string = keyof P & string>(
  properties: P,
  required?: readonly R[],
) => ({
  type: 'object' as const,
  required: required ?? (Object.keys(properties) as R[]),
  properties,
});

/** RFC 7662 §2.1 and RFC 7009 §2.1, form-encoded; the client authenticates as at the token endpoint. */
const tokenStatusRequest = object(
  {
    token: text(8192),
    token_type_hint: text(64, 'access_token'),
    client_id: text(128, 'client_secret_post only'),
    client_secret: text(256, 'client_secret_post only'),
    client_assertion_type: text(128, 'private_key_jwt'),
    client_assertion: text(8192, 'private_key_jwt'),
  },
  ['token'],
);

/** A WebAuthn assertion as a second factor: the options' challenge_token and navigator.credentials.get()'s answer. */
const webauthn = {
  type: 'object' as const,
  required: ['challenge_token', 'response'],
  properties: { challenge_token: text(4096), response: { type: 'object' } },
  description: 'a passkey: challenge_token from POST /api/auth/passkeys/options, and the AuthenticationResponseJSON',
};

/** Request bodies, by route. */
export const REQUEST_BODIES = {
  login: object({ username: text(4096), password: text(4096, '8 to 1024 characters') }),
  register: object(
    {
      username: text(4096),
      password: text(4096, '8 to 1024 characters, not common, not the username'),
      email: text(254, 'optional: a verification link is mailed to it'),
    },
    ['username', 'password'],
  ),
  forgot: object({ email: text(254), username: text(4096) }, []),
  reset: object(
    {
      token: text(256, 'from the link in the mail (its #token= fragment)'),
      new_password: text(4096, '8 to 1024 characters, not common, not the username'),
      code: text(16, 'an account with a second factor: a TOTP code'),
      recovery_code: text(64, 'an account with a second factor: a recovery code'),
    },
    ['token', 'new_password'],
  ),
  emailVerify: object({ token: text(256, 'from the link in the mail (its #token= fragment)') }),
  emailChange: object({ email: text(254, 'the new address: it takes effect once its link is followed') }),
  refresh: object({ refresh_token: text(4096) }),
  logout: object({ refresh_token: text(4096) }),
  password: object({ current_password: text(4096), new_password: text(4096) }),
  temporaryPassword: object({
    username: text(4096),
    password: text(4096, 'the temporary password an admin handed over'),
    new_password: text(4096, '8 to 1024 characters, not common, not the username'),
  }),
  adminCreateUser: object({ username: text(4096), password: text(4096), roles }, ['username', 'password']),
  adminRoles: object({ roles }),
  // One answer: a TOTP code, a recovery code, or (with its challenge_token) a WebAuthn assertion.
  mfaVerify: object(
    {
      mfa_token: text(4096, 'from the 403 mfa_required answer of the password step'),
      code: text(16, 'a TOTP code: 6 digits'),
      recovery_code: text(64, 'one of the recovery codes'),
      webauthn,
    },
    ['mfa_token'],
  ),
  stepUp: object({ code: text(16, 'a TOTP code: 6 digits'), recovery_code: text(64, 'one of the recovery codes'), webauthn }, []),
  passkeyRegister: object(
    {
      challenge_token: text(4096, 'from the registration options'),
      response: {
        type: 'object',
        description: 'the PublicKeyCredential of navigator.credentials.create(), as JSON (RegistrationResponseJSON)',
      },
      name: text(64, 'a name to tell it apart'),
    },
    ['challenge_token', 'response'],
  ),
  passkeyOptions: object({ mfa_token: text(4096, 'the second step of a sign-in; without it, a sign-in with a passkey alone') }, []),
  passkeyLogin: object({
    challenge_token: text(4096, 'from POST /api/auth/passkeys/options'),
    response: {
      type: 'object',
      description: 'the PublicKeyCredential of navigator.credentials.get(), as JSON (AuthenticationResponseJSON)',
    },
  }),
  totpConfirm: object({ code: text(16, 'the code the authenticator app shows now') }),
  adminCreateClient: object(
    {
      name: text(128),
      scopes,
      audiences,
      access_token_ttl_seconds: { type: 'integer', minimum: 60, maximum: 86400, description: 'default 3600' },
      auth_method: text(32, 'client_secret_basic (default), client_secret_post or private_key_jwt'),
      jwks: { type: 'object', description: 'private_key_jwt: the public keys that verify its assertions' },
    },
    ['name'],
  ),
  adminScopes: object({ scopes }),
  adminAudiences: object({ audiences }),
  // Form-encoded (RFC 6749 §4.4.2); client_id and client_secret only for client_secret_post.
  token: object(
    {
      grant_type: text(256, 'client_credentials, or urn:ietf:params:oauth:grant-type:token-exchange (RFC 8693)'),
      subject_token: text(8192, "token exchange: the user's access token"),
      subject_token_type: text(128, 'token exchange: urn:ietf:params:oauth:token-type:access_token'),
      requested_token_type: text(128, 'token exchange: urn:ietf:params:oauth:token-type:access_token'),
      audience: text(512, 'token exchange: the downstream API, as resource'),
      actor_token: text(8192, 'not supported: the authenticated client is the actor'),
      scope: text(4096, 'space-delimited scopes (RFC 6749 §3.3); default: every scope the client may have'),
      resource: text(512, 'the audience (RFC 8707); default: the first the client may have'),
      client_id: text(128, 'client_secret_post (and optional with private_key_jwt); otherwise HTTP Basic'),
      client_secret: text(256, 'client_secret_post only; otherwise HTTP Basic'),
      client_assertion_type: text(128, 'private_key_jwt: urn:ietf:params:oauth:client-assertion-type:jwt-bearer'),
      client_assertion: text(8192, 'private_key_jwt: a JWT signed by a registered key (RFC 7523 §2.2)'),
    },
    ['grant_type'],
  ),
  // RFC 7662 §2.1 and RFC 7009 §2.1, form-encoded; the client authenticates as at the token endpoint.
  introspect: tokenStatusRequest,
  revoke: tokenStatusRequest,
} as const satisfies Record<string, JsonSchema>;

const epoch = { type: 'integer', description: 'seconds since the epoch' };
const iso = { type: 'string', format: 'date-time' };
const count = (description: string) => ({ type: 'integer', minimum: 0, description });
/** What the admin dashboard counts (`domain/activity.ts`). */
const activityCounts = {
  sign_ins: count('sessions opened'),
  failures: count('failed sign-ins, second factors and client authentications, unknown names included'),
  throttled: count('sign-ins and client authentications refused by the throttle'),
  reuse_detected: count('refresh tokens used twice (their sessions were ended)'),
};

/** Response bodies and shared shapes, by name (the OpenAPI components). */
export const SCHEMAS = {
  Error: object({ error: { type: 'string' }, error_description: { type: 'string' } }),
  OpenApi: object({ openapi: { const: '3.1.0' }, info: { type: 'object' }, servers: { type: 'array' }, paths: { type: 'object' } }),
  TokenError: object({ active: { const: false }, error: { type: 'string' }, error_description: { type: 'string' } }),
  TokenPair: object(
    {
      access_token: { type: 'string' },
      token_type: { const: 'Bearer' },
      expires_in: { type: 'integer' },
      refresh_token: { type: 'string', description: 'absent when the refresh token is delivered as an HttpOnly cookie' },
    },
    ['access_token', 'token_type', 'expires_in'],
  ),
  AccessToken: object({ access_token: { type: 'string' }, token_type: { const: 'Bearer' }, expires_in: { type: 'integer' } }),
  /** 403 of a password step: a temporary password, or (with the mfa fields) an account with a second factor. */
  SignInRefused: object(
    {
      error: { enum: ['mfa_required', 'password_change_required', 'email_unverified'] },
      error_description: { type: 'string' },
      mfa_token: { type: 'string', description: 'mfa_required: answer it at POST /api/auth/mfa/verify within expires_in seconds, once' },
      factors: { type: 'array', items: { enum: ['totp', 'webauthn', 'recovery_code'] } },
      expires_in: { type: 'integer' },
    },
    ['error', 'error_description'],
  ),
  TotpEnrolment: object({
    secret: { type: 'string', description: 'base32, for typing in by hand' },
    otpauth_uri: { type: 'string', pattern: '^otpauth://totp/' },
    qr_svg: { type: 'string', description: 'the URI as a QR code, an SVG document' },
    expires_in: { type: 'integer', description: 'confirm with a code within this many seconds' },
  }),
  Enrolled: object(
    {
      access_token: { type: 'string', description: 'for the same session, now with a second factor (amr has mfa)' },
      token_type: { const: 'Bearer' },
      expires_in: { type: 'integer' },
      recovery_codes: { type: 'array', items: { type: 'string' }, description: "the account's first factor only: shown this once" },
    },
    ['access_token', 'token_type', 'expires_in'],
  ),
  PasskeyOptions: object({
    options: {
      type: 'object',
      description: 'PublicKeyCredentialCreationOptionsJSON or PublicKeyCredentialRequestOptionsJSON (WebAuthn Level 3)',
    },
    challenge_token: { type: 'string', description: 'send it back with the answer, within 5 minutes, once' },
  }),
  RecoveryCodes: object({ recovery_codes: { type: 'array', minItems: 10, maxItems: 10, items: { type: 'string' } } }),
  Factors: object({
    totp: object({ enabled: { type: 'boolean' }, confirmed_at: epoch }, ['enabled']),
    passkeys: {
      type: 'array',
      items: object(
        { id: { type: 'string' }, name: { type: 'string' }, created_at: epoch, last_used_at: epoch, synced: { type: 'boolean' } },
        ['id', 'name', 'created_at', 'synced'],
      ),
    },
    recovery_codes_remaining: { type: 'integer' },
  }),
  TokenIntrospection: object(
    {
      active: { type: 'boolean' },
      token_type: { const: 'Bearer' },
      iss: { type: 'string' },
      sub: { type: 'string' },
      aud: { type: 'string' },
      exp: epoch,
      iat: epoch,
      jti: { type: 'string' },
      client_id: { type: 'string' },
      scope: { type: 'string' },
      username: { type: 'string' },
      act: { type: 'object', properties: { sub: { type: 'string' } }, description: 'token exchange: the client acting for the user' },
    },
    ['active'],
  ),
  Empty: { type: 'object', maxProperties: 0 },
  Accepted: object({ status: { const: 'accepted' }, message: { type: 'string' } }),
  Client: object({
    clientId: { type: 'string' },
    name: { type: 'string' },
    status: { enum: ['active', 'disabled'] },
    scopes: { type: 'array', items: { type: 'string' } },
    audiences: { type: 'array', items: { type: 'string' } },
    accessTokenTtlSeconds: { type: 'integer' },
    authMethod: { type: 'string' },
    secrets: {
      type: 'array',
      items: object({ id: { type: 'string' }, createdAt: epoch, expiresAt: epoch }, ['id', 'createdAt']),
    },
    createdAt: epoch,
    updatedAt: epoch,
  }),
  ClientWithSecret: object({ client: { $ref: '#/components/schemas/Client' }, client_secret: { type: 'string' } }),
  Clients: object({ clients: { type: 'array', items: { $ref: '#/components/schemas/Client' } } }),
  MachineCaller: object({ client_id: { type: 'string' }, scope: { type: 'string' } }),
  ClientToken: object({
    access_token: { type: 'string' },
    token_type: { const: 'Bearer' },
    expires_in: { type: 'integer' },
    scope: { type: 'string' },
  }),
  Introspection: object({
    active: { const: true },
    sub: { type: 'string' },
    username: { type: 'string' },
    roles: { type: 'array', items: { type: 'string' } },
    exp: epoch,
    iat: epoch,
    sid: { type: 'string' },
  }),
  User: object({ sub: { type: 'string' }, username: { type: 'string' }, roles: { type: 'array', items: { type: 'string' } } }),
  AdminUser: object({
    sub: { type: 'string' },
    username: { type: 'string' },
    roles: { type: 'array', items: { type: 'string' } },
    status: { enum: ['active', 'disabled'] },
    createdAt: epoch,
    updatedAt: epoch,
  }),
  UserPage: object({ users: { type: 'array', items: { $ref: '#/components/schemas/AdminUser' } }, next: { type: 'string' } }, ['users']),
  Sessions: object({
    sessions: {
      type: 'array',
      items: object({
        sid: { type: 'string' },
        created_at: iso,
        last_used_at: iso,
        user_agent: { type: ['string', 'null'] },
        source_ip: { type: ['string', 'null'] },
        current: { type: 'boolean' },
      }),
    },
  }),
  AuditPage: object(
    {
      events: {
        type: 'array',
        items: object(
          {
            userId: { type: 'string' },
            eventId: { type: 'string' },
            event: { type: 'string' },
            at: epoch,
            outcome: { enum: ['success', 'failure'] },
          },
          ['userId', 'eventId', 'event', 'at', 'outcome'],
        ),
      },
      next: { type: 'string' },
    },
    ['events'],
  ),
  Activity: object({
    hours: {
      type: 'array',
      description: 'the current hour and the 23 before it, oldest first',
      items: object({ hour: iso, ...activityCounts }),
    },
    totals: object(activityCounts),
  }),
  Ended: object({ ended: { type: 'integer' } }),
  TemporaryPassword: object({ temporaryPassword: { type: 'string' } }),
  Jwks: object({
    keys: {
      type: 'array',
      items: object({ kty: { type: 'string' }, kid: { type: 'string' }, alg: { type: 'string' }, use: { const: 'sig' } }),
    },
  }),
  Discovery: object({
    issuer: { type: 'string', format: 'uri' },
    jwks_uri: { type: 'string', format: 'uri' },
    token_endpoint: { type: 'string', format: 'uri' },
    token_endpoint_auth_methods_supported: { type: 'array', items: { type: 'string' } },
    grant_types_supported: { type: 'array', items: { type: 'string' } },
    scopes_supported: { type: 'array', items: { type: 'string' } },
  }),
} as const satisfies Record<string, JsonSchema>;

export type SchemaName = keyof typeof SCHEMAS;
