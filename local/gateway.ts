import { randomUUID } from 'node:crypto';
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { isIP } from 'node:net';
import type { Duplex } from 'node:stream';
import type { APIGatewayAuthorizerResult, APIGatewayProxyEvent, APIGatewayProxyResult, APIGatewayRequestAuthorizerEvent } from 'aws-lambda';
import {
  GATEWAY_RESPONSES,
  gatewayCorsHeaders,
  gatewayResponseBody,
  type GatewayResponse,
} from '../functions/lib/contract/gateway-responses';
import { authorizationValues } from '../functions/lib/domain/bearer';
import { header, MAX_BODY_BYTES } from '../functions/lib/http/request';
import { AUTHORIZER_CACHE_SECONDS, CORS_PREFLIGHT, type HandlerName, type Route } from '../functions/lib/contract/routes';
import { evaluatePolicy } from './evaluate-policy';

/** Identity of the emulated API, as it appears in method ARNs. */
const ACCOUNT = '000000000000';
const API_ID = 'local';
const REGION = 'local';

/** A page the local gateway serves on GET, with its own security headers if it has any. */
export interface Page {
  readonly contentType: string;
  readonly body: string;
  readonly headers?: Readonly<Record<string, string>>;
}

/** Options of the gateway. */
export interface GatewayOptions {
  readonly routes: readonly Route[];
  readonly handlers: Readonly<Record<HandlerName, (event: APIGatewayProxyEvent) => Promise<APIGatewayProxyResult>>>;
  readonly authorizer: (event: APIGatewayRequestAuthorizerEvent) => Promise<APIGatewayAuthorizerResult>;
  /** How long an authorizer result is reused for the same `Authorization` header; 0 turns the cache off. @default 300 */
  readonly authorizerCacheTtlSeconds?: number;
  /** @default 'local' */
  readonly stage?: string;
  /**
   * How many trusted proxies in front of the gateway append to `X-Forwarded-For`. The source IP
   * is the address the outermost trusted proxy appended: the Nth from the right. A client writes
   * whatever it likes to the left of it, so the leftmost entry is never used. 0 ignores the
   * header: the socket's address is used, and clients cannot choose their source IP.
   * @default 0
   */
  readonly trustedProxyHops?: number;
  /** Documents served as JSON on GET, by exact path (the OpenAPI document). */
  readonly documents?: Readonly<Record<string, unknown>>;
  /** Pages served on GET, by exact path (the demo page, the API reference, the admin console). */
  readonly pages?: Readonly<Record<string, Page>>;
  /** Answers made afresh on each GET, by exact path, with their own headers (the local inbox). */
  readonly live?: Readonly<Record<string, () => { readonly headers: Readonly<Record<string, string>>; readonly body: string }>>;
  /** Origins allowed to call with credentials: CORS preflights answer for these only. @default none */
  readonly allowedOrigins?: readonly string[];
  /** One line per request. @default stdout */
  readonly accessLog?: (line: Record<string, unknown>) => void;
  readonly now?: () => number;
}

interface MatchedRoute {
  readonly route: Route;
  readonly pathParameters: Record<string, string> | null;
}

const compile = (route: Route) => {
  const names: string[] = [];
  const pattern = route.path.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\\?\{([^}]+)\\?\}/g, (_m, name: string) => {
    names.push(name);
    return '([^/]+)';
  });
  return { route, names, regex: new RegExp(`^${pattern}$`) };
};

/**
 * An HTTP request listener that plays API Gateway (REST API, Lambda proxy integration) in front
 * of our handlers: it routes by the route table, runs the REQUEST authorizer on protected routes
 * and evaluates its policy (with API Gateway's result cache), builds v1 proxy events, and answers
 * with the same Gateway Responses the CDK stack configures.
 */
export function createGateway(options: GatewayOptions): RequestListener {
  const stage = options.stage ?? 'local';
  const ttlMs = (options.authorizerCacheTtlSeconds ?? AUTHORIZER_CACHE_SECONDS.default) * 1000;
  const now = options.now ?? Date.now;
  const accessLog = options.accessLog ?? ((line) => process.stdout.write(`${JSON.stringify(line)}\n`));
  // As API Gateway routes: a literal segment wins over a {parameter} at the same level.
  const compiled = options.routes.map(compile).sort((a, b) => specificity(a.route.path, b.route.path));
  const cache = new Map<string, { result: APIGatewayAuthorizerResult; expiresAt: number }>();
  const corsOnErrors = gatewayCorsHeaders(options.allowedOrigins ?? []);

  function match(method: string, path: string): MatchedRoute | 'method' | 'malformed' | undefined {
    let pathMatched = false;
    for (const { route, names, regex } of compiled) {
      const m = regex.exec(path);
      if (!m) continue;
      pathMatched = true;
      if (route.method !== method) continue;
      const params: [string, string][] = [];
      for (const [i, n] of names.entries()) {
        const value = decodePathSegment(m[i + 1] as string);
        if (value === undefined) return 'malformed';
        params.push([n, value]);
      }
      return { route, pathParameters: params.length ? Object.fromEntries(params) : null };
    }
    return pathMatched ? 'method' : undefined;
  }

  async function authorize(event: APIGatewayRequestAuthorizerEvent, header: string | undefined) {
    if (header === undefined) throw new Error('Unauthorized');
    // AUTHORIZER_IDENTITY_SOURCES: the token and the route. The cache is bounded, as a local
    // stand-in should be (API Gateway's own is not ours to size).
    const identity = `${header}\n${event.httpMethod}\n${event.resource}`;
    const cached = ttlMs > 0 ? cache.get(identity) : undefined;
    if (cached && cached.expiresAt > now()) return cached.result;
    const result = await options.authorizer(event);
    if (ttlMs > 0) {
      if (cache.size >= 10_000) cache.clear();
      cache.set(identity, { result, expiresAt: now() + ttlMs });
    }
    return result;
  }

  // One request can never stop the process: whatever it throws becomes an answer.
  return (req, res) => {
    try {
      serve(req, res);
    } catch {
      if (!res.headersSent) send(res, errorResult(GATEWAY_RESPONSES.DEFAULT_5XX));
      else res.destroy();
    }
  };

  function serve(req: IncomingMessage, res: ServerResponse) {
    const started = now();
    const requestId = randomUUID();
    // As API Gateway answers every request: the id its logs, and the audit records, carry.
    res.setHeader('x-amzn-RequestId', requestId);
    const method = req.method ?? 'GET';
    const url = parseTarget(req.url);
    const finish = (status: number) =>
      accessLog({ requestId, ip: req.socket.remoteAddress, method, path: url?.pathname ?? null, status, latencyMs: now() - started });
    const answer = (r: GatewayResponse, extraHeaders: Record<string, string> = {}) => {
      send(res, errorResult(r, { ...corsOnErrors, ...extraHeaders }));
      finish(r.statusCode);
    };
    if (url === undefined) return answer(MALFORMED_REQUEST);
    // The cache key and the token the authorizer verifies must be the same header: a request
    // with two cannot be authorised safely, whichever route it asks for.
    if (authorizationValues(null, rawHeaderLists(req)).length > 1) {
      return answer({ ...MALFORMED_REQUEST, description: 'more than one Authorization header' });
    }

    const live = method === 'GET' ? options.live?.[url.pathname] : undefined;
    if (live) {
      const { headers, body } = live();
      res.writeHead(200, { 'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff', ...headers });
      res.end(body);
      return finish(200);
    }
    const page = method === 'GET' ? options.pages?.[url.pathname] : undefined;
    if (page) {
      res.writeHead(200, {
        'Content-Type': page.contentType,
        'Cache-Control': 'no-store',
        'X-Content-Type-Options': 'nosniff',
        'Content-Security-Policy': "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'",
        ...page.headers,
      });
      res.end(page.body);
      return finish(200);
    }
    // CORS preflight, as API Gateway's OPTIONS methods answer it: only for listed origins.
    if (method === 'OPTIONS') {
      const origin = req.headers.origin;
      if (typeof origin !== 'string' || !options.allowedOrigins?.includes(origin) || match('GET', url.pathname) === undefined) {
        return answer(GATEWAY_RESPONSES.ACCESS_DENIED);
      }
      res.writeHead(204, {
        'Access-Control-Allow-Origin': origin,
        'Access-Control-Allow-Credentials': 'true',
        'Access-Control-Allow-Methods': CORS_PREFLIGHT.methods.join(', '),
        'Access-Control-Allow-Headers': CORS_PREFLIGHT.headers.join(', '),
        'Access-Control-Max-Age': String(CORS_PREFLIGHT.maxAgeSeconds),
        Vary: 'Origin',
      });
      res.end();
      return finish(204);
    }
    const document = method === 'GET' ? options.documents?.[url.pathname] : undefined;
    if (document !== undefined) {
      send(res, {
        statusCode: 200,
        headers: { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache' },
        body: JSON.stringify(document),
      });
      return finish(200);
    }
    const matched = match(method, url.pathname);
    if (matched === undefined) return answer(GATEWAY_RESPONSES.MISSING_AUTHENTICATION_TOKEN);
    if (matched === 'malformed') return answer({ ...MALFORMED_REQUEST, description: 'malformed percent-encoding in the path' });
    if (matched === 'method') {
      const allow = compiled.filter((c) => c.regex.test(url.pathname)).map((c) => c.route.method);
      return answer({ statusCode: 405, error: 'method_not_allowed', description: `use ${allow.join(', ')}` }, { Allow: allow.join(', ') });
    }

    readRawBody(req)
      .then(async (body) => {
        if (body === undefined) return answer(GATEWAY_RESPONSES.REQUEST_TOO_LARGE);
        const event = buildEvent(req, url, matched, body, requestId, stage, options.trustedProxyHops ?? 0);
        if (matched.route.access !== 'public') {
          const methodArn = `arn:aws:execute-api:${REGION}:${ACCOUNT}:${API_ID}/${stage}/${method}${url.pathname}`;
          let policy: APIGatewayAuthorizerResult;
          try {
            // The identity sources are the Authorization header and the route: no header means 401.
            policy = await authorize(toAuthorizerEvent(event, methodArn), header(event.headers, 'authorization'));
          } catch (err) {
            return answer(
              err instanceof Error && err.message === 'Unauthorized'
                ? GATEWAY_RESPONSES.UNAUTHORIZED
                : GATEWAY_RESPONSES.AUTHORIZER_CONFIGURATION_ERROR,
            );
          }
          if (evaluatePolicy(policy.policyDocument, methodArn) !== 'allow') {
            // As API Gateway fills DENIAL_TEMPLATE and the challenge from the authorizer's context.
            const { error, error_description, challenge } = (policy.context ?? {}) as Partial<Record<string, unknown>>;
            return answer(
              { ...GATEWAY_RESPONSES.ACCESS_DENIED, error: String(error ?? ''), description: String(error_description ?? '') },
              { 'WWW-Authenticate': String(challenge ?? '') },
            );
          }
          event.requestContext.authorizer = { ...policy.context, principalId: policy.principalId };
        }
        let result: APIGatewayProxyResult;
        try {
          result = await options.handlers[matched.route.handler](event);
          if (typeof result?.statusCode !== 'number') throw new Error('not a proxy response');
        } catch {
          return answer(GATEWAY_RESPONSES.BAD_GATEWAY);
        }
        send(res, result);
        finish(result.statusCode);
      })
      .catch(() => answer(GATEWAY_RESPONSES.DEFAULT_5XX));
  }
}

/** Orders two resource paths as API Gateway prefers them: segment by segment, literal first. */
function specificity(a: string, b: string): number {
  const [x, y] = [a.split('/'), b.split('/')];
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const d = Number((x[i] as string).startsWith('{')) - Number((y[i] as string).startsWith('{'));
    if (d !== 0) return d;
  }
  return 0;
}

/** What API Gateway answers to a request it cannot parse. */
const MALFORMED_REQUEST: GatewayResponse = { statusCode: 400, error: 'invalid_request', description: 'malformed request' };

const errorResult = (r: GatewayResponse, extraHeaders: Record<string, string> = {}): APIGatewayProxyResult => ({
  statusCode: r.statusCode,
  headers: { ...r.headers, ...extraHeaders },
  body: gatewayResponseBody(r),
});

/** The path and query of a request target (origin or absolute form), or undefined if it is neither. */
export function parseTarget(target: string | undefined): { pathname: string; searchParams: URLSearchParams } | undefined {
  if (target === undefined || target === '') return undefined;
  if (target.startsWith('/')) {
    // Split by hand: `new URL` reads a target such as `//host/x` as an authority.
    const q = target.indexOf('?');
    return {
      pathname: q < 0 ? target : target.slice(0, q),
      searchParams: new URLSearchParams(q < 0 ? '' : target.slice(q + 1)),
    };
  }
  if (!/^https?:\/\//i.test(target) || !URL.canParse(target)) return undefined;
  const url = new URL(target);
  return { pathname: url.pathname, searchParams: url.searchParams };
}

/** A percent-decoded path segment, or undefined when its encoding is malformed. */
function decodePathSegment(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}

/** The request's headers as lists, by name as sent. */
function rawHeaderLists(req: IncomingMessage): Record<string, string[]> {
  const lists: Record<string, string[]> = {};
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    const name = req.rawHeaders[i] as string;
    lists[name] = [...(lists[name] ?? []), req.rawHeaders[i + 1] as string];
  }
  return lists;
}

/**
 * For the server's `clientError`: a request Node cannot parse (request line, target, headers,
 * framing) gets a JSON 4xx too, and the connection closes. The process goes on.
 */
export function answerClientError(err: NodeJS.ErrnoException, socket: Duplex): void {
  if (!socket.writable || (err as { code?: string }).code === 'ECONNRESET') {
    socket.destroy();
    return;
  }
  const [status, reason, r] =
    err.code === 'HPE_HEADER_OVERFLOW'
      ? [431, 'Request Header Fields Too Large', { ...MALFORMED_REQUEST, statusCode: 431, description: 'request headers too large' }]
      : err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? [408, 'Request Timeout', { ...MALFORMED_REQUEST, statusCode: 408, description: 'request timed out' }]
        : [400, 'Bad Request', MALFORMED_REQUEST];
  const body = gatewayResponseBody(r);
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}

/** The body as text, or undefined when it is over the gateway's limit. */
function readRawBody(req: IncomingMessage): Promise<string | null | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        resolve(undefined);
        req.resume();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(size === 0 ? null : size > MAX_BODY_BYTES ? undefined : Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** A v1 proxy event, as API Gateway builds it: headers keep the client's case. */
function buildEvent(
  req: IncomingMessage,
  url: { pathname: string; searchParams: URLSearchParams },
  matched: MatchedRoute,
  body: string | null,
  requestId: string,
  stage: string,
  trustedProxyHops: number,
): APIGatewayProxyEvent {
  const headers: Record<string, string> = {};
  const multiValueHeaders: Record<string, string[]> = {};
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    const name = req.rawHeaders[i] as string;
    const value = req.rawHeaders[i + 1] as string;
    headers[name] = value;
    multiValueHeaders[name] = [...(multiValueHeaders[name] ?? []), value];
  }
  const query: Record<string, string> = {};
  const multiQuery: Record<string, string[]> = {};
  for (const [k, v] of url.searchParams) {
    query[k] = v;
    multiQuery[k] = [...(multiQuery[k] ?? []), v];
  }
  const hasQuery = Object.keys(query).length > 0;
  const method = req.method ?? 'GET';
  const sourceIp = forwardedFor(req, trustedProxyHops) ?? req.socket.remoteAddress ?? '127.0.0.1';
  const now = Date.now();
  return {
    resource: matched.route.path,
    path: url.pathname,
    httpMethod: method,
    headers,
    multiValueHeaders,
    queryStringParameters: hasQuery ? query : null,
    multiValueQueryStringParameters: hasQuery ? multiQuery : null,
    pathParameters: matched.pathParameters,
    stageVariables: null,
    body,
    isBase64Encoded: false,
    requestContext: {
      accountId: ACCOUNT,
      apiId: API_ID,
      authorizer: null,
      domainName: headers.Host ?? headers.host ?? '127.0.0.1',
      domainPrefix: API_ID,
      extendedRequestId: requestId,
      httpMethod: method,
      identity: {
        accessKey: null,
        accountId: null,
        apiKey: null,
        apiKeyId: null,
        caller: null,
        clientCert: null,
        cognitoAuthenticationProvider: null,
        cognitoAuthenticationType: null,
        cognitoIdentityId: null,
        cognitoIdentityPoolId: null,
        principalOrgId: null,
        sourceIp: sourceIp.replace(/^::ffff:/, ''),
        user: null,
        userAgent: header(headers, 'user-agent') ?? null,
        userArn: null,
      },
      path: `/${stage}${url.pathname}`,
      protocol: `HTTP/${req.httpVersion}`,
      requestId,
      requestTime: new Date(now).toUTCString(),
      requestTimeEpoch: now,
      resourceId: matched.route.handler,
      resourcePath: matched.route.path,
      stage,
    },
  };
}

/**
 * The address the outermost of `hops` trusted proxies saw: the `hops`-th entry of
 * X-Forwarded-For from the right (each proxy appends the address it received from). Undefined
 * when the header is off, too short (the request did not come through every proxy) or not an IP.
 */
export function forwardedFor(req: Pick<IncomingMessage, 'headers'>, hops: number): string | undefined {
  const raw = req.headers['x-forwarded-for'];
  if (hops <= 0 || raw === undefined) return undefined;
  // Node joins repeated X-Forwarded-For headers with ", ", in order.
  const entries = (Array.isArray(raw) ? raw.join(',') : raw)
    .split(',')
    .map((e) => e.trim())
    .filter(Boolean);
  const candidate = entries[entries.length - hops];
  return candidate !== undefined && isIP(candidate) !== 0 ? candidate : undefined;
}

/** The REQUEST authorizer event API Gateway sends for a proxy request. */
function toAuthorizerEvent(event: APIGatewayProxyEvent, methodArn: string): APIGatewayRequestAuthorizerEvent {
  return {
    type: 'REQUEST',
    methodArn,
    resource: event.resource,
    path: event.path,
    httpMethod: event.httpMethod,
    headers: event.headers,
    multiValueHeaders: event.multiValueHeaders,
    pathParameters: event.pathParameters,
    queryStringParameters: event.queryStringParameters,
    multiValueQueryStringParameters: event.multiValueQueryStringParameters,
    stageVariables: event.stageVariables,
    requestContext: event.requestContext,
  } as APIGatewayRequestAuthorizerEvent;
}

function send(res: ServerResponse, result: APIGatewayProxyResult): void {
  const headers: Record<string, string | string[]> = {};
  for (const [k, v] of Object.entries(result.headers ?? {})) headers[k] = String(v);
  for (const [k, v] of Object.entries(result.multiValueHeaders ?? {})) headers[k] = v.map(String);
  const body = result.isBase64Encoded ? Buffer.from(result.body, 'base64') : Buffer.from(result.body ?? '', 'utf8');
  if (!Object.keys(headers).some((k) => k.toLowerCase() === 'content-type') && body.length > 0)
    headers['Content-Type'] = 'application/json';
  // As API Gateway does: a length, not chunked framing.
  if (result.statusCode !== 204 && result.statusCode !== 304) headers['Content-Length'] = String(body.length);
  res.writeHead(result.statusCode, headers);
  res.end(body);
}
