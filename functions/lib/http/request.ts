import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { callerFromContext, type Caller } from '../contract/authorizer-context';
import type { Clock } from '../domain/clock';
import { AuthError, InvalidRequestError, TokenError, TooManyAttemptsError, type ErrorCode } from '../domain/errors';
import { lazyDeps, type DepsInput } from './lazy';
import type { AuthLogger } from '../telemetry/events';
import type { AuthMetrics } from '../telemetry/metrics';
import type { RequestMeta } from '../domain/request-meta';

/** Largest request body we read (the gateway caps it too). */
export const MAX_BODY_BYTES = 16 * 1024;

type Headers = Record<string, string>;

const BASE_HEADERS: Headers = {
  'Content-Type': 'application/json',
  // RFC 6749 §5.1: token responses must not be cached; nothing we answer with no-store needs caching.
  'Cache-Control': 'no-store',
  'X-Content-Type-Options': 'nosniff',
};

/** A JSON response. */
export function json(statusCode: number, body: unknown, headers: Headers = {}): APIGatewayProxyResult {
  return { statusCode, headers: { ...BASE_HEADERS, ...headers }, body: body === undefined ? '' : JSON.stringify(body) };
}

/** An empty response (204). */
export const noContent = (): APIGatewayProxyResult => ({ statusCode: 204, headers: { ...BASE_HEADERS }, body: '' });

const STATUS: Record<Exclude<ErrorCode, TokenError['code']>, [number, string]> = {
  ERR_INVALID_REQUEST: [400, 'invalid_request'],
  ERR_UNSUPPORTED_MEDIA_TYPE: [415, 'invalid_request'],
  ERR_INVALID_CREDENTIALS: [401, 'invalid_grant'],
  ERR_INVALID_REFRESH_TOKEN: [401, 'invalid_grant'],
  ERR_REFRESH_TOKEN_REUSED: [401, 'invalid_grant'],
  ERR_USER_EXISTS: [409, 'user_exists'],
  ERR_NOT_FOUND: [404, 'not_found'],
  ERR_UNAVAILABLE: [503, 'temporarily_unavailable'],
  ERR_TOO_MANY_ATTEMPTS: [429, 'too_many_attempts'],
  ERR_FORBIDDEN: [403, 'access_denied'],
  ERR_CONFLICT: [409, 'conflict'],
  ERR_LAST_ADMIN: [409, 'last_admin'],
  ERR_PASSWORD_CHANGE_REQUIRED: [403, 'password_change_required'],
};

/** The one place where errors become responses. Unknown errors are logged and become a bare 500. */
export function toHttpResponse(err: unknown, logger: AuthLogger, requestId?: string): APIGatewayProxyResult {
  if (err instanceof TokenError) {
    // RFC 6750 §3.1: a request with no token gets a bare challenge, with no error code.
    if (err.code === 'ERR_JWT_MISSING') {
      return json(401, { active: false, error: 'unauthorized', error_description: err.message }, { 'WWW-Authenticate': 'Bearer' });
    }
    return json(
      401,
      { active: false, error: 'invalid_token', error_description: err.message },
      { 'WWW-Authenticate': `Bearer error="invalid_token", error_description="${err.message}"` },
    );
  }
  if (err instanceof AuthError) {
    const [status, error] = STATUS[err.code as keyof typeof STATUS] ?? [500, 'server_error'];
    const retryAfter =
      err instanceof TooManyAttemptsError ? String(Math.max(1, Math.ceil(err.retryAfterSeconds))) : status === 503 ? '1' : undefined;
    return json(status, { error, error_description: err.message }, retryAfter ? { 'Retry-After': retryAfter } : {});
  }
  logger.error('unhandled_error', { event: 'unhandled_error', requestId, error: err as Error });
  return json(500, { error: 'server_error', error_description: 'internal error' });
}

/** A header by name, case-insensitively (API Gateway passes them as the client sent them). */
export function header(headers: APIGatewayProxyEvent['headers'] | null | undefined, name: string): string | undefined {
  if (!headers) return undefined;
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() === wanted && typeof value === 'string') return value;
  }
  return undefined;
}

/** Request id, source IP and user agent, for sessions and logs. */
export function requestMeta(event: APIGatewayProxyEvent): RequestMeta {
  const ctx = event.requestContext as Partial<APIGatewayProxyEvent['requestContext']> | undefined;
  return {
    requestId: typeof ctx?.requestId === 'string' ? ctx.requestId : 'unknown',
    sourceIp: ctx?.identity?.sourceIp ?? undefined,
    userAgent: ctx?.identity?.userAgent ?? header(event.headers, 'user-agent'),
  };
}

/** The JSON object in the body; 415 for another content type, 400 for anything malformed. */
export function parseJsonBody(event: APIGatewayProxyEvent): Record<string, unknown> {
  const contentType = header(event.headers, 'content-type');
  const mediaType = contentType?.split(';')[0]?.trim().toLowerCase();
  if (mediaType !== 'application/json') {
    throw new InvalidRequestError('content type must be application/json', 'ERR_UNSUPPORTED_MEDIA_TYPE');
  }
  if (typeof event.body !== 'string' || event.body === '') throw new InvalidRequestError('request body is required');
  const raw = event.isBase64Encoded ? Buffer.from(event.body, 'base64') : Buffer.from(event.body, 'utf8');
  if (raw.length > MAX_BODY_BYTES) throw new InvalidRequestError(`request body exceeds ${MAX_BODY_BYTES / 1024} KiB`);
  let body: unknown;
  try {
    body = JSON.parse(raw.toString('utf8'));
  } catch {
    throw new InvalidRequestError('request body is not valid JSON');
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new InvalidRequestError('request body must be a JSON object');
  }
  return body as Record<string, unknown>;
}

interface FieldSchema {
  readonly type?: string;
  readonly maxLength?: number;
  readonly minItems?: number;
  readonly maxItems?: number;
  readonly items?: { readonly pattern?: string };
}

/**
 * The JSON body, validated against a request schema of `schemas.ts` (required fields, strings
 * and their lengths, string lists): the same schema the OpenAPI document publishes.
 */
type FieldValue<F> = F extends { readonly type: 'array' } ? string[] : string;
type BodyOf<S extends { readonly required: readonly string[]; readonly properties: Readonly<Record<string, FieldSchema>> }> = {
  [K in keyof S['properties'] & S['required'][number]]: FieldValue<S['properties'][K]>;
} & { [K in Exclude<keyof S['properties'], S['required'][number]>]?: FieldValue<S['properties'][K]> };

export function readBody<S extends { readonly required: readonly string[]; readonly properties: Readonly<Record<string, FieldSchema>> }>(
  event: APIGatewayProxyEvent,
  schema: S,
): BodyOf<S> {
  const body = parseJsonBody(event);
  for (const [name, field] of Object.entries(schema.properties)) {
    const value = body[name];
    if (value === undefined || value === null) {
      if (schema.required.includes(name)) throw new InvalidRequestError(`${name} is required`);
      continue;
    }
    if (field.type === 'string') stringField(body, name, field.maxLength);
    if (field.type === 'array') {
      const pattern = field.items?.pattern ? new RegExp(field.items.pattern) : undefined;
      const ok =
        Array.isArray(value) &&
        value.length >= (field.minItems ?? 0) &&
        value.length <= (field.maxItems ?? Number.POSITIVE_INFINITY) &&
        value.every((v) => typeof v === 'string' && (!pattern || pattern.test(v)));
      if (!ok)
        throw new InvalidRequestError(
          `${name} must be a list of ${field.minItems ?? 0} to ${field.maxItems} names matching ${field.items?.pattern}`,
        );
    }
  }
  return body as never;
}

/** A required string field of at most `maxChars` characters. */
function stringField(body: Record<string, unknown>, name: string, maxChars = 4096): string {
  const value = body[name];
  if (value === undefined || value === null) throw new InvalidRequestError(`${name} is required`);
  if (typeof value !== 'string') throw new InvalidRequestError(`${name} must be a string`);
  if (value === '') throw new InvalidRequestError(`${name} must not be empty`);
  if (value.length > maxChars) throw new InvalidRequestError(`${name} is too long`);
  return value;
}

/** A proxy-integration handler. */
export type HttpHandler = (event: APIGatewayProxyEvent) => Promise<APIGatewayProxyResult>;

/**
 * Wraps a route's logic: waits for the dependencies (built once per container), and turns any
 * error into a response. No error escapes, so a bad event never crashes the function.
 */
export function createHttpHandler<
  D extends { readonly logger: AuthLogger; readonly metrics?: AuthMetrics; readonly web?: { readonly allowedOrigins: readonly string[] } },
>(
  deps: DepsInput<D>,
  fallbackLogger: AuthLogger,
  handle: (event: APIGatewayProxyEvent, deps: D) => Promise<APIGatewayProxyResult>,
): HttpHandler {
  // A failed start-up is reported per request (and retried), never as a crash at load.
  const ready = lazyDeps(deps);
  return async (event) => {
    const started = Date.now();
    let logger = fallbackLogger;
    let metrics: AuthMetrics | undefined;
    let allowed: readonly string[] = [];
    try {
      const resolved = await ready();
      logger = resolved.logger;
      metrics = resolved.metrics;
      allowed = resolved.web?.allowedOrigins ?? [];
      return withCors(await handle(event ?? ({} as APIGatewayProxyEvent), resolved), event, allowed);
    } catch (err) {
      return withCors(toHttpResponse(err, logger, event?.requestContext?.requestId), event, allowed);
    } finally {
      metrics?.latencyMs(Date.now() - started);
      metrics?.flush();
    }
  };
}

/**
 * The signed-in caller from the authorizer context, which API Gateway sets and clients cannot.
 * A cached authorizer answer can outlive its token, so a token past `exp` (plus the clock
 * tolerance) is refused here with 401, on every route behind the authorizer.
 */
export function callerOf(event: APIGatewayProxyEvent, options: { now: Clock; clockToleranceSeconds: number }): Caller {
  const { caller, error } = callerFromContext(event.requestContext?.authorizer, options);
  if (caller) return caller;
  throw error === 'expired'
    ? new TokenError('ERR_JWT_EXPIRED', 'token has expired')
    : new TokenError('ERR_JWT_MISSING', 'this route needs the authorizer');
}

/** A path parameter, required. */
export function pathParam(event: APIGatewayProxyEvent, name: string): string {
  const value = event.pathParameters?.[name];
  if (typeof value !== 'string' || value === '' || value.length > 256) throw new InvalidRequestError(`${name} is required in the path`);
  return value;
}

/** CORS with credentials, only for the configured origins (never `*`). */
function withCors(
  result: APIGatewayProxyResult,
  event: APIGatewayProxyEvent | undefined,
  allowed: readonly string[],
): APIGatewayProxyResult {
  const origin = header(event?.headers, 'origin');
  if (origin === undefined || !allowed.includes(origin)) return result;
  return {
    ...result,
    headers: { ...result.headers, 'Access-Control-Allow-Origin': origin, 'Access-Control-Allow-Credentials': 'true', Vary: 'Origin' },
  };
}
