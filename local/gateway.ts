import { randomUUID } from 'node:crypto';
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import type { APIGatewayAuthorizerResult, APIGatewayProxyEvent, APIGatewayProxyResult, APIGatewayRequestAuthorizerEvent } from 'aws-lambda';
import { GATEWAY_RESPONSES, gatewayResponseBody, type GatewayResponse } from '../functions/lib/gateway-responses';
import { MAX_BODY_BYTES } from '../functions/lib/http';
import type { HandlerName, Route } from '../functions/lib/routes';
import { evaluatePolicy } from './evaluate-policy';

/** Identity of the emulated API, as it appears in method ARNs. */
const ACCOUNT = '000000000000';
const API_ID = 'local';
const REGION = 'local';

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
   * Take the source IP from the first `X-Forwarded-For` address, as a gateway behind a trusted
   * proxy would. Off, the socket's address is used: clients cannot choose their source IP.
   * @default false
   */
  readonly trustForwardedFor?: boolean;
  /** Documents served as JSON on GET, by exact path (the OpenAPI document). */
  readonly documents?: Readonly<Record<string, unknown>>;
  /** Pages served on GET, by exact path (the demo page). */
  readonly pages?: Readonly<Record<string, { readonly contentType: string; readonly body: string }>>;
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
  const ttlMs = (options.authorizerCacheTtlSeconds ?? 300) * 1000;
  const now = options.now ?? Date.now;
  const accessLog = options.accessLog ?? ((line) => process.stdout.write(`${JSON.stringify(line)}\n`));
  const compiled = options.routes.map(compile);
  const cache = new Map<string, { result: APIGatewayAuthorizerResult; expiresAt: number }>();

  function match(method: string, path: string): MatchedRoute | 'method' | undefined {
    let pathMatched = false;
    for (const { route, names, regex } of compiled) {
      const m = regex.exec(path);
      if (!m) continue;
      pathMatched = true;
      if (route.method !== method) continue;
      const params = names.map((n, i) => [n, decodeURIComponent(m[i + 1] as string)] as const);
      return { route, pathParameters: params.length ? Object.fromEntries(params) : null };
    }
    return pathMatched ? 'method' : undefined;
  }

  async function authorize(event: APIGatewayRequestAuthorizerEvent, identity: string | undefined) {
    if (identity === undefined) throw new Error('Unauthorized');
    const cached = ttlMs > 0 ? cache.get(identity) : undefined;
    if (cached && cached.expiresAt > now()) return cached.result;
    const result = await options.authorizer(event);
    if (ttlMs > 0) cache.set(identity, { result, expiresAt: now() + ttlMs });
    return result;
  }

  return (req, res) => {
    const started = now();
    const requestId = randomUUID();
    const url = new URL(req.url ?? '/', 'http://localhost');
    const method = req.method ?? 'GET';
    const finish = (status: number) =>
      accessLog({ requestId, ip: req.socket.remoteAddress, method, path: url.pathname, status, latencyMs: now() - started });
    const answer = (r: GatewayResponse, extraHeaders: Record<string, string> = {}) => {
      send(res, { statusCode: r.statusCode, headers: { ...r.headers, ...extraHeaders }, body: gatewayResponseBody(r) });
      finish(r.statusCode);
    };

    const page = method === 'GET' ? options.pages?.[url.pathname] : undefined;
    if (page) {
      res.writeHead(200, {
        'Content-Type': page.contentType,
        'Cache-Control': 'no-store',
        'X-Content-Type-Options': 'nosniff',
        'Content-Security-Policy': "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'",
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
        'Access-Control-Allow-Methods': 'GET, POST, PUT, DELETE',
        'Access-Control-Allow-Headers': 'Content-Type, Authorization, X-Requested-With',
        'Access-Control-Max-Age': '3600',
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
    if (matched === 'method') {
      const allow = compiled.filter((c) => c.regex.test(url.pathname)).map((c) => c.route.method);
      return answer({ statusCode: 405, error: 'method_not_allowed', description: `use ${allow.join(', ')}` }, { Allow: allow.join(', ') });
    }

    readBody(req)
      .then(async (body) => {
        if (body === undefined) return answer(GATEWAY_RESPONSES.REQUEST_TOO_LARGE);
        const event = buildEvent(req, url, matched, body, requestId, stage, options.trustForwardedFor ?? false);
        if (matched.route.access !== 'public') {
          const methodArn = `arn:aws:execute-api:${REGION}:${ACCOUNT}:${API_ID}/${stage}/${method}${url.pathname}`;
          let policy: APIGatewayAuthorizerResult;
          try {
            // The identity source is the Authorization header: the cache key, and no header means 401.
            policy = await authorize(toAuthorizerEvent(event, methodArn), headerValue(event.headers, 'authorization'));
          } catch (err) {
            return answer(
              err instanceof Error && err.message === 'Unauthorized'
                ? GATEWAY_RESPONSES.UNAUTHORIZED
                : GATEWAY_RESPONSES.AUTHORIZER_FAILURE,
            );
          }
          if (evaluatePolicy(policy.policyDocument, methodArn) !== 'allow') return answer(GATEWAY_RESPONSES.ACCESS_DENIED);
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
  };
}

/** The body as text, or undefined when it is over the gateway's limit. */
function readBody(req: IncomingMessage): Promise<string | null | undefined> {
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
  url: URL,
  matched: MatchedRoute,
  body: string | null,
  requestId: string,
  stage: string,
  trustForwardedFor: boolean,
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
  const forwarded = trustForwardedFor ? headerValue(headers, 'x-forwarded-for')?.split(',')[0]?.trim() : undefined;
  const sourceIp = forwarded || (req.socket.remoteAddress ?? '127.0.0.1');
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
        userAgent: headerValue(headers, 'user-agent') ?? null,
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

const headerValue = (headers: Record<string, string | undefined>, lowerName: string) =>
  Object.entries(headers).find(([k]) => k.toLowerCase() === lowerName)?.[1];

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
  res.writeHead(result.statusCode, headers);
  res.end(body);
}
