/**
 * The caller as the authorizer hands it to the functions behind it: written in one place
 * (`toAuthorizerContext`) and read in one place (`callerFromContext`). Plain code with no
 * imports, so teams' functions can use the reader too (`client/caller.ts`).
 */

/** The authorizer's context: API Gateway allows only scalar values, so roles are joined with `,`. */
export interface AuthorizerContext {
  readonly sub: string;
  readonly username: string;
  readonly roles: string;
  readonly sid: string;
  /** The token's `exp` (epoch seconds): API Gateway's cache does not know it, so readers check it. */
  readonly exp: number;
  /** A token a client got for this user by token exchange: the client that acts, and its scopes. */
  readonly client_id?: string;
  readonly scope?: string;
  /** How the user authenticated (RFC 8176 values, space-separated), and when (epoch seconds); absent on older tokens. */
  readonly amr?: string;
  readonly auth_time?: number;
}

/** The context for a machine client's token (RFC 9068): who it is and what it may do. */
export interface ClientAuthorizerContext {
  readonly sub: string;
  readonly client_id: string;
  /** Space-delimited. */
  readonly scope: string;
  readonly exp: number;
}

/** A machine client calling, as a function behind the authorizer sees it. */
export interface MachineCaller {
  readonly clientId: string;
  readonly scopes: string[];
  readonly exp: number;
}

/** The signed-in caller, as a function behind the authorizer sees them. */
export interface Caller {
  readonly sub: string;
  readonly username: string;
  readonly roles: string[];
  readonly sid: string;
  readonly exp: number;
  /** Set when a client calls for this user with a token it got by token exchange (RFC 8693). */
  readonly actor?: { readonly clientId: string; readonly scopes: string[] };
  /** How the user authenticated (RFC 8176), and when (epoch seconds): check these for a sensitive action (RFC 9470). */
  readonly amr: string[];
  readonly authTime?: number;
}

/** The context for a verified token and the roles it may use now. */
export function toAuthorizerContext(
  claims: {
    readonly sub: string;
    readonly username: string;
    readonly sid: string;
    readonly exp: number;
    readonly client_id?: string | undefined;
    readonly scope?: string | undefined;
    readonly amr?: readonly string[] | undefined;
    readonly auth_time?: number | undefined;
  },
  roles: readonly string[],
): AuthorizerContext {
  const context = {
    sub: claims.sub,
    username: claims.username,
    roles: roles.join(','),
    sid: claims.sid,
    exp: claims.exp,
    ...(claims.amr && { amr: claims.amr.join(' ') }),
    ...(claims.auth_time !== undefined && { auth_time: claims.auth_time }),
  };
  return claims.client_id === undefined ? context : { ...context, client_id: claims.client_id, scope: claims.scope ?? '' };
}

/** The context for a verified machine token. */
export function toClientAuthorizerContext(claims: {
  readonly sub: string;
  readonly client_id: string;
  readonly scope: string;
  readonly exp: number;
}): ClientAuthorizerContext {
  return { sub: claims.sub, client_id: claims.client_id, scope: claims.scope, exp: claims.exp };
}

/** Options of `callerFromContext`. */
export interface CallerOptions {
  /** Skew allowed past `exp`, as the verifiers allow it. @default 30 */
  readonly clockToleranceSeconds?: number;
  /** @default Date.now */
  readonly now?: () => number;
}

/**
 * The caller of `event.requestContext.authorizer`, or why there is none: `missing` (no
 * authorizer ran, or its context is malformed) or `expired`. API Gateway caches an authorizer's
 * answer for its TTL whatever the token's `exp`, so a cached answer can outlive its token:
 * every function behind the authorizer checks `exp` here (RFC 7519 §4.1.4).
 */
export function callerFromContext(
  context: unknown,
  options: CallerOptions = {},
): { readonly caller: Caller; readonly error?: undefined } | { readonly caller?: undefined; readonly error: 'missing' | 'expired' } {
  const ctx = (typeof context === 'object' && context !== null ? context : {}) as Record<string, unknown>;
  const { sub, username, sid, roles } = ctx;
  // API Gateway may hand numbers on as strings.
  const exp = typeof ctx.exp === 'string' && /^\d+$/.test(ctx.exp) ? Number(ctx.exp) : ctx.exp;
  if (typeof sub !== 'string' || typeof username !== 'string' || typeof sid !== 'string' || typeof roles !== 'string') {
    return { error: 'missing' };
  }
  if (typeof exp !== 'number' || !Number.isFinite(exp)) return { error: 'missing' };
  const nowSeconds = Math.floor((options.now ?? Date.now)() / 1000);
  if (exp <= nowSeconds - (options.clockToleranceSeconds ?? 30)) return { error: 'expired' };
  const { client_id, scope, amr } = ctx;
  const authTime = typeof ctx.auth_time === 'string' && /^\d+$/.test(ctx.auth_time) ? Number(ctx.auth_time) : ctx.auth_time;
  const authentication = {
    amr: typeof amr === 'string' && amr !== '' ? amr.split(' ') : [],
    ...(typeof authTime === 'number' && Number.isFinite(authTime) && { authTime }),
  };
  const actor =
    typeof client_id === 'string' && client_id !== ''
      ? { clientId: client_id, scopes: typeof scope === 'string' && scope !== '' ? scope.split(' ') : [] }
      : undefined;
  return { caller: { sub, username, sid, roles: roles === '' ? [] : roles.split(','), exp, ...authentication, ...(actor && { actor }) } };
}

/**
 * The machine client of `event.requestContext.authorizer` (a route that lists scopes), or why
 * there is none: `missing` (a user's token, or no authorizer) or `expired`.
 */
export function machineCallerFromContext(
  context: unknown,
  options: CallerOptions = {},
): { readonly caller: MachineCaller; readonly error?: undefined } | { readonly caller?: undefined; readonly error: 'missing' | 'expired' } {
  const ctx = (typeof context === 'object' && context !== null ? context : {}) as Record<string, unknown>;
  const { client_id, scope } = ctx;
  const exp = typeof ctx.exp === 'string' && /^\d+$/.test(ctx.exp) ? Number(ctx.exp) : ctx.exp;
  // A user acting through a client (token exchange) is a user: `callerFromContext` reads them.
  if (typeof client_id !== 'string' || client_id === '' || typeof scope !== 'string' || 'sid' in ctx) return { error: 'missing' };
  if (typeof exp !== 'number' || !Number.isFinite(exp)) return { error: 'missing' };
  const nowSeconds = Math.floor((options.now ?? Date.now)() / 1000);
  if (exp <= nowSeconds - (options.clockToleranceSeconds ?? 30)) return { error: 'expired' };
  return { caller: { clientId: client_id, scopes: scope === '' ? [] : scope.split(' '), exp } };
}
