/**
 * The answers API Gateway gives itself, before or instead of a function: declared once, so the
 * CDK stack configures its Gateway Responses and the local runtime answers with the same bodies.
 */

/** One gateway answer: status, JSON body and extra headers. */
export interface GatewayResponse {
  readonly statusCode: number;
  readonly error: string;
  readonly description: string;
  readonly headers?: Readonly<Record<string, string>>;
}

/** Gateway answers by the API Gateway response type they stand for. */
export const GATEWAY_RESPONSES = {
  /** The authorizer threw `Unauthorized`. RFC 6750 §3: a bare challenge. */
  UNAUTHORIZED: {
    statusCode: 401,
    error: 'unauthorized',
    description: 'a valid bearer token is required',
    headers: { 'WWW-Authenticate': 'Bearer' },
  },
  /**
   * The authorizer's policy denies this route. The body and challenge are the denial's own, from
   * the authorizer's context (`DENIAL_TEMPLATE`); these stand where there is none (a preflight).
   */
  ACCESS_DENIED: { statusCode: 403, error: 'access_denied', description: 'your roles do not permit this route' },
  /** No such resource (API Gateway calls this MISSING_AUTHENTICATION_TOKEN). */
  MISSING_AUTHENTICATION_TOKEN: { statusCode: 404, error: 'not_found', description: 'no such route' },
  /**
   * The authorizer threw something other than `Unauthorized` (API Gateway's AuthorizerConfigurationException):
   * the keys, the route list or the revocation table could not be read. The revocation check
   * fails closed, so this is an outage of a dependency, not a verdict on the token: 503 and
   * Retry-After, as the functions answer DynamoDB outages (RFC 9110 §15.6.4).
   */
  AUTHORIZER_CONFIGURATION_ERROR: {
    statusCode: 503,
    error: 'temporarily_unavailable',
    description: 'authorization is unavailable; retry shortly',
    headers: { 'Retry-After': '1' },
  },
  /** The authorizer could not decide (API Gateway's other authorizer failure): the same answer. */
  AUTHORIZER_FAILURE: {
    statusCode: 503,
    error: 'temporarily_unavailable',
    description: 'authorization is unavailable; retry shortly',
    headers: { 'Retry-After': '1' },
  },
  /** The function crashed or answered something that is not a proxy response. */
  BAD_GATEWAY: { statusCode: 502, error: 'bad_gateway', description: 'the function failed' },
  /** The body is over the limit. */
  /** API Gateway's own limit is 10 MB; the functions refuse bodies over 16 KiB with 400, and the local gateway with this. */
  REQUEST_TOO_LARGE: { statusCode: 413, error: 'request_too_large', description: 'request body too large' },
  /** Too many requests for the stage or method limits. */
  THROTTLED: { statusCode: 429, error: 'too_many_requests', description: 'slow down', headers: { 'Retry-After': '1' } },
  DEFAULT_4XX: { statusCode: 400, error: 'invalid_request', description: 'the request was refused' },
  DEFAULT_5XX: { statusCode: 500, error: 'server_error', description: 'internal error' },
} as const satisfies Record<string, GatewayResponse>;

/**
 * What the authorizer's context says about a denial, for the 403: its error (RFC 6750 §3.1
 * `insufficient_scope`, or RFC 9470 §3 `insufficient_user_authentication`) and the challenge.
 * API Gateway answers every Deny with one status, 403, so a step-up challenge comes with 403
 * here, where RFC 9470 §3 has 401; the functions that check a step-up themselves answer 401.
 */
export interface DenialContext {
  readonly error: string;
  readonly error_description: string;
  readonly challenge: string;
}

/** The ACCESS_DENIED body on AWS: API Gateway substitutes the authorizer's context into it (no VTL logic runs there). */
export const DENIAL_TEMPLATE = '{"error":"$context.authorizer.error","error_description":"$context.authorizer.error_description"}';

/** The ACCESS_DENIED `WWW-Authenticate` header on AWS: a mapping from the authorizer's context. */
export const DENIAL_CHALLENGE_MAPPING = 'context.authorizer.challenge';

/** The JSON body of a gateway answer. */
export const gatewayResponseBody = (r: GatewayResponse): string => JSON.stringify({ error: r.error, error_description: r.description });

/**
 * CORS headers on the gateway's own answers (the authorizer's 401 and 403, 429, 5XX), so a page
 * on another origin can read the 401 that tells it to refresh. API Gateway can only add fixed
 * headers there, so this works for one listed origin; with several, a page sees those answers
 * as network errors (README, "Browser apps").
 */
export const gatewayCorsHeaders = (allowedOrigins: readonly string[]): Record<string, string> =>
  allowedOrigins.length === 1
    ? { 'Access-Control-Allow-Origin': allowedOrigins[0] as string, 'Access-Control-Allow-Credentials': 'true' }
    : {};
