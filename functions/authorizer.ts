import type { APIGatewayAuthorizerResult, APIGatewayRequestAuthorizerEvent, PolicyDocument } from 'aws-lambda';
import { isClientClaims, type VerifiedClaims } from './lib/tokens/access-tokens';
import { logAuthEvent } from './lib/telemetry/events';
import { defaultAuthorizerDeps, type AuthorizerDeps } from './lib/wiring/authorizer';
import { toAuthorizerContext, toClientAuthorizerContext } from './lib/contract/authorizer-context';
import { bearerToken } from './lib/domain/bearer';
import { TokenError } from './lib/domain/errors';
import { lazyDeps, type DepsInput } from './lib/http/lazy';
import type { RevocationReason, Standing } from './lib/authz/revocation';
import { apiStageArn, buildPolicy } from './lib/authz/policy';
import { isPermitted, isPermittedForClient, type PolicyRoute } from './lib/contract/routes';
import { isMultiFactor, meetsStepUp, stepUpChallenge } from './lib/domain/factors';
import { MFA_REQUIRED_ROLES_DEFAULT } from './lib/contract/roles';
import type { DenialContext } from './lib/contract/gateway-responses';

export type { AuthorizerDeps } from './lib/wiring/authorizer';

/** The one rejection API Gateway turns into 401 (and never caches as a policy). */
const unauthorized = () => new Error('Unauthorized');

/** Tokens verified in this container, by token: bounded, and never past the token's `exp`. */
const MAX_CACHED_TOKENS = 10_000;
/** A verified token, and the answers it got, by route, with the roles they were given for. */
interface Verified {
  readonly claims: VerifiedClaims;
  readonly stageArn: string;
  readonly keySet: unknown;
  readonly answers: Map<string, { readonly roles: readonly string[]; readonly result: APIGatewayAuthorizerResult }>;
}
/** Answers kept per token: a client calls a handful of routes. */
const MAX_ANSWERS_PER_TOKEN = 32;
/** A client's token has no roles: its scopes are fixed in it. */
const NO_ROLES: readonly string[] = [];
const sameRoles = (a: readonly string[], b: readonly string[]) => a === b || (a.length === b.length && a.every((r, i) => r === b[i]));

/** Why a token is refused a route: the log's reason, and what the 403 says (RFC 6750 §3.1, RFC 9470 §3). */
interface Denial {
  readonly reason: string;
  readonly context: DenialContext;
}
const denialOf = (reason: string, error: string, description: string, challenge: string): Denial => ({
  reason,
  context: { error, error_description: description, challenge },
});
const INSUFFICIENT_SCOPE = 'Bearer error="insufficient_scope"';
const DENIALS = {
  unknownRoute: denialOf('unknown_route', 'access_denied', 'no such route', INSUFFICIENT_SCOPE),
  missingRole: denialOf('missing_role', 'access_denied', 'your roles do not permit this route', INSUFFICIENT_SCOPE),
  missingScope: denialOf('missing_scope', 'insufficient_scope', 'a scope this route needs is missing', INSUFFICIENT_SCOPE),
  // The challenge says to enrol: no answer to a step-up could meet it (the client knows not to try).
  mustEnrol: denialOf(
    'mfa_enrolment_required',
    'mfa_enrollment_required',
    'your role requires a second factor: enrol one first',
    'Bearer error="insufficient_user_authentication", error_description="enrol a second factor"',
  ),
} as const;

/**
 * The denial a user's token gets for how it authenticated, if any: a holder of a role that must
 * have a second factor, signed in without one, may only enrol one (`enrolment` routes); and a
 * route's step-up rule must hold (RFC 9470).
 */
function authenticationDenial(
  route: PolicyRoute,
  roles: readonly string[],
  claims: { readonly amr?: readonly string[] | undefined; readonly auth_time?: number | undefined },
  nowSeconds: number,
  mfaRequiredRoles: readonly string[],
): Denial | undefined {
  if (route.access === 'public') return undefined;
  const auth = { amr: claims.amr, authTime: claims.auth_time };
  if (!route.enrolment && !isMultiFactor(claims.amr) && roles.some((r) => mfaRequiredRoles.includes(r))) return DENIALS.mustEnrol;
  if (meetsStepUp(auth, route.access, nowSeconds)) return undefined;
  return denialOf(
    route.access.mfa && !isMultiFactor(claims.amr) ? 'mfa_required' : 'max_age',
    'insufficient_user_authentication',
    'step up at /api/auth/mfa/step-up',
    stepUpChallenge(route.access),
  );
}

/** Policies by stage, route and decision: a few per route at most. */
const MAX_CACHED_POLICIES = 4096;

/**
 * The Lambda authorizer for API Gateway REST REQUEST events. A missing or invalid token throws
 * `Unauthorized` (401); a valid token gets a policy for the route it asked for: allowed when
 * its roles permit it, denied (403) otherwise, and denied for a route the table does not know.
 * API Gateway caches the answer per token and route (`AUTHORIZER_IDENTITY_SOURCES`). A token
 * seen before skips verification, never expiry or the revocation check, which also yields the
 * roles the user still holds: a demoted user's older tokens lose the role at once.
 */
/** The routes by `METHOD path`; a list that cannot be read fails this call (503, alarmed on), and the next one reads again. */
async function indexRoutes(d: AuthorizerDeps): Promise<Map<string, PolicyRoute>> {
  let routes: readonly PolicyRoute[];
  try {
    routes = typeof d.routes === 'function' ? await d.routes() : d.routes;
  } catch (err) {
    d.countFailure?.();
    throw err;
  }
  return new Map(routes.map((r) => [`${r.method} ${r.path}`, r]));
}

export function createHandler(deps: DepsInput<AuthorizerDeps>) {
  const ready = lazyDeps(deps);
  const verified = new Map<string, Verified>();
  const policies = new Map<string, PolicyDocument>();
  let routeIndex: Map<string, PolicyRoute> | undefined;

  function policyFor(stageArn: string, method: string, resource: string, permitted: boolean): PolicyDocument {
    const key = `${permitted ? 'A' : 'D'} ${stageArn} ${method} ${resource}`;
    let policy = policies.get(key);
    if (!policy) {
      if (policies.size >= MAX_CACHED_POLICIES) policies.clear();
      policy = buildPolicy(stageArn, method, resource, permitted);
      policies.set(key, policy);
    }
    return policy;
  }

  return async (event: APIGatewayRequestAuthorizerEvent): Promise<APIGatewayAuthorizerResult> => {
    const d = await ready();
    const requestId = event?.requestContext?.requestId;
    const token = bearerToken(event?.headers, event?.multiValueHeaders);
    const stageArn = typeof event?.methodArn === 'string' ? apiStageArn(event.methodArn) : undefined;
    const { httpMethod, resource } = event ?? {};
    if (token === undefined || stageArn === undefined || typeof httpMethod !== 'string' || typeof resource !== 'string') {
      logAuthEvent(d.logger, 'token_rejected', { requestId, reason: token === undefined ? 'ERR_JWT_MISSING' : 'bad_event' });
      throw unauthorized();
    }

    const nowSeconds = Math.floor(d.now() / 1000);
    let entry = verified.get(token);
    // A new key set (every key-cache TTL, or after a key was revoked) means verifying again.
    if (entry && (entry.claims.exp <= nowSeconds || entry.stageArn !== stageArn || entry.keySet !== d.accessTokens.keySet?.())) {
      verified.delete(token);
      entry = undefined;
    }
    if (!entry) {
      let claims: VerifiedClaims;
      try {
        claims = d.accessTokens.verifySync?.(token) ?? (await d.accessTokens.verify(token));
      } catch (err) {
        if (!(err instanceof TokenError)) {
          // Not the token's fault (keys unreachable, a bug): API Gateway answers 503 (AUTHORIZER_CONFIGURATION_ERROR); alarm on it.
          d.countFailure?.();
          throw err;
        }
        logAuthEvent(d.logger, 'token_rejected', { requestId, reason: err.code });
        throw unauthorized();
      }
      entry = { claims, stageArn, keySet: d.accessTokens.keySet?.(), answers: new Map() };
      if (claims.exp > nowSeconds) {
        if (verified.size >= MAX_CACHED_TOKENS) verified.delete(verified.keys().next().value as string);
        verified.set(token, entry);
      }
    }
    const { claims } = entry;
    const client = isClientClaims(claims);

    // A user's token: its session and user still stand, with the roles the user holds now. A
    // client's: its client still exists, is active, and has not ended its tokens.
    let roles = NO_ROLES;
    // Fails closed: a standing that cannot be read (DynamoDB down) denies with 503, never allows.
    let standing: Standing | { readonly revoked?: RevocationReason } | undefined;
    try {
      standing = client ? await d.revocation?.checkClient?.(claims) : await d.revocation?.check(claims);
    } catch (err) {
      d.countFailure?.();
      throw err;
    }
    if (standing?.revoked) {
      verified.delete(token);
      logAuthEvent(d.logger, 'token_revoked', {
        requestId,
        userId: claims.sub,
        sid: client ? undefined : claims.sid,
        reason: standing.revoked,
      });
      throw unauthorized();
    }
    if (!client) roles = (standing as Standing | undefined)?.roles ?? claims.roles;
    const routeKey = `${httpMethod} ${resource}`;
    const known = entry.answers.get(routeKey);
    // The hot path: this token asked for this route before, with the same roles.
    if (known && sameRoles(known.roles, roles) && known.result.policyDocument.Statement[0]?.Effect === 'Allow') return known.result;
    routeIndex ??= await indexRoutes(d);
    const route = routeIndex.get(routeKey);
    // A user's token by their roles; a client's by its scopes; a token a client got for a user by
    // token exchange by its scopes only: the client acts for the user within them, never with the
    // user's roles (a service holding an admin's token gets no admin route downstream).
    const scopes = claims.scope?.split(' ');
    const permitted = route !== undefined && (scopes !== undefined ? isPermittedForClient(route, scopes) : isPermitted(route, roles));
    // A user's own token (not a client acting for them) also answers to how they signed in.
    const denial: Denial | undefined = !permitted
      ? route === undefined
        ? DENIALS.unknownRoute
        : client
          ? DENIALS.missingScope
          : DENIALS.missingRole
      : client || scopes !== undefined || route === undefined
        ? undefined
        : authenticationDenial(route, roles, claims, nowSeconds, d.mfaRequiredRoles ?? MFA_REQUIRED_ROLES_DEFAULT);
    if (denial) {
      logAuthEvent(d.logger, 'access_denied', {
        requestId,
        userId: claims.sub,
        sid: client ? undefined : claims.sid,
        reason: denial.reason,
      });
    }
    const caller = client ? toClientAuthorizerContext(claims) : toAuthorizerContext(claims, roles);
    const result: APIGatewayAuthorizerResult = {
      principalId: claims.sub,
      policyDocument: policyFor(stageArn, httpMethod, resource, denial === undefined),
      // API Gateway's ACCESS_DENIED answer shows a denial's error and challenge (gateway-responses.ts).
      context: denial ? { ...caller, ...denial.context } : { ...caller },
    };
    // An answer that depends on the time (a route's maxAge) is decided afresh each time.
    if (route?.access === 'public' || route?.access.maxAge === undefined) {
      if (entry.answers.size >= MAX_ANSWERS_PER_TOKEN) entry.answers.clear();
      entry.answers.set(routeKey, { roles, result });
    }
    return result;
  };
}

export const handler = createHandler(defaultAuthorizerDeps);
