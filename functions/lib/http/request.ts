import type { APIGatewayProxyEvent } from 'aws-lambda';
import { callerFromContext, type Caller } from '../contract/authorizer-context';
import type { Clock } from '../domain/clock';
import { InvalidClientError, InvalidRequestError, TokenError } from '../domain/errors';
import type { RequestMeta } from '../domain/request-meta';

/** Largest request body we read (the gateway caps it too). */
export const MAX_BODY_BYTES = 16 * 1024;

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

/** The body's bytes, if its media type is `mediaType`; 415 for another, 400 if absent or too large. */
function rawBody(event: APIGatewayProxyEvent, mediaType: string): Buffer {
  const contentType = header(event.headers, 'content-type');
  if (contentType?.split(';')[0]?.trim().toLowerCase() !== mediaType) {
    throw new InvalidRequestError(`content type must be ${mediaType}`, 'ERR_UNSUPPORTED_MEDIA_TYPE');
  }
  if (typeof event.body !== 'string' || event.body === '') throw new InvalidRequestError('request body is required');
  const raw = event.isBase64Encoded ? Buffer.from(event.body, 'base64') : Buffer.from(event.body, 'utf8');
  if (raw.length > MAX_BODY_BYTES) throw new InvalidRequestError(`request body exceeds ${MAX_BODY_BYTES / 1024} KiB`);
  return raw;
}

/**
 * The parameters of a form-encoded body (`application/x-www-form-urlencoded`, as OAuth token
 * requests are: RFC 6749 §3.2), checked against a request schema of `schemas.ts`. A parameter
 * sent twice is refused (RFC 6749 §3.1); one the schema does not declare is ignored (§3.2).
 */
export function readForm<S extends { readonly required: readonly string[]; readonly properties: Readonly<Record<string, FieldSchema>> }>(
  event: APIGatewayProxyEvent,
  schema: S,
): BodyOf<S> {
  const params = new URLSearchParams(rawBody(event, 'application/x-www-form-urlencoded').toString('utf8'));
  const body: Record<string, string> = {};
  for (const [name, value] of params) {
    if (!(name in schema.properties)) continue;
    if (name in body) throw new InvalidRequestError(`parameter ${name} is sent more than once`);
    body[name] = value;
  }
  return checkFields(body, schema);
}

/**
 * Client credentials from an HTTP Basic header (RFC 7617), each form-urlencoded first as RFC
 * 6749 §2.3.1 asks; undefined without one. A malformed one is a failed client authentication.
 */
export function basicCredentials(headers: APIGatewayProxyEvent['headers'] | null | undefined): { id: string; secret: string } | undefined {
  const value = header(headers, 'authorization');
  const match = value === undefined ? null : /^basic +([A-Za-z0-9+/]+={0,2}) *$/i.exec(value);
  if (value === undefined || !/^basic /i.test(value)) return undefined;
  const decoded = match ? Buffer.from(match[1] as string, 'base64').toString('utf8') : '';
  const colon = decoded.indexOf(':');
  const formDecode = (s: string) => decodeURIComponent(s.replace(/\+/g, ' '));
  try {
    if (colon < 1) throw new Error('no id');
    return { id: formDecode(decoded.slice(0, colon)), secret: formDecode(decoded.slice(colon + 1)) };
  } catch {
    throw new InvalidClientError(true);
  }
}

/** The JSON object in the body; 415 for another content type, 400 for anything malformed. */
export function parseJsonBody(event: APIGatewayProxyEvent): Record<string, unknown> {
  const raw = rawBody(event, 'application/json');
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

/**
 * The JSON Schema keywords a request schema of `schemas.ts` may use: the ones `checkFields`
 * implements. `test/unit/request-validation.test.ts` holds every request schema to this list and
 * checks, on generated bodies, that `checkFields` accepts exactly what a JSON Schema validator
 * (ajv) accepts under the published OpenAPI document.
 */
export const SUPPORTED_KEYWORDS = {
  object: ['type', 'required', 'properties', 'description'],
  field: ['type', 'minLength', 'maxLength', 'minimum', 'maximum', 'minItems', 'maxItems', 'items', 'required', 'properties', 'description'],
  items: ['type', 'pattern'],
} as const;

interface FieldSchema {
  readonly type?: string;
  readonly minLength?: number;
  readonly maxLength?: number;
  readonly minimum?: number;
  readonly maximum?: number;
  readonly minItems?: number;
  readonly maxItems?: number;
  readonly items?: { readonly pattern?: string };
  /** An object field's own fields, checked as a body's are. */
  readonly required?: readonly string[];
  readonly properties?: Readonly<Record<string, FieldSchema>>;
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
  return checkFields(parseJsonBody(event), schema);
}

/** The fields of a parsed body, checked against a request schema. */
function checkFields<S extends { readonly required: readonly string[]; readonly properties: Readonly<Record<string, FieldSchema>> }>(
  body: Record<string, unknown>,
  schema: S,
): BodyOf<S> {
  for (const [name, field] of Object.entries(schema.properties)) {
    const value = body[name];
    if (value === undefined) {
      if (schema.required.includes(name)) throw new InvalidRequestError(`${name} is required`);
      continue;
    }
    if (value === null) throw new InvalidRequestError(schema.required.includes(name) ? `${name} is required` : `${name} must not be null`);
    if (field.type === 'string') stringField(name, value, field);
    if (field.type === 'integer') integerField(name, value, field);
    if (field.type === 'object') {
      if (typeof value !== 'object' || Array.isArray(value)) throw new InvalidRequestError(`${name} must be a JSON object`);
      if (field.properties) checkFields(value as Record<string, unknown>, { required: field.required ?? [], properties: field.properties });
    }
    if (field.type === 'array') {
      // As JSON Schema validators read a pattern: a Unicode regular expression, unanchored.
      const pattern = field.items?.pattern ? new RegExp(field.items.pattern, 'u') : undefined;
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

/**
 * A string field within its schema's lengths. JSON Schema counts characters (code points), not
 * UTF-16 units: only a string longer in units than the limit needs counting.
 */
function stringField(name: string, value: unknown, field: FieldSchema): void {
  if (typeof value !== 'string') throw new InvalidRequestError(`${name} must be a string`);
  if (value === '' && (field.minLength ?? 0) > 0) throw new InvalidRequestError(`${name} must not be empty`);
  const max = field.maxLength ?? Number.POSITIVE_INFINITY;
  const min = field.minLength ?? 0;
  if (value.length > max || value.length < 2 * min) {
    const chars = [...value].length;
    if (chars > max) throw new InvalidRequestError(`${name} is too long`);
    if (chars < min) throw new InvalidRequestError(`${name} is too short`);
  }
}

/** An integer field within its schema's bounds. */
function integerField(name: string, value: unknown, field: FieldSchema): void {
  if (typeof value !== 'number' || !Number.isInteger(value)) throw new InvalidRequestError(`${name} must be an integer`);
  if (value < (field.minimum ?? Number.NEGATIVE_INFINITY) || value > (field.maximum ?? Number.POSITIVE_INFINITY)) {
    throw new InvalidRequestError(`${name} must be from ${field.minimum} to ${field.maximum}`);
  }
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
