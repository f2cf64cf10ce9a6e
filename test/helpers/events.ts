import type { APIGatewayProxyEvent, APIGatewayRequestAuthorizerEvent } from 'aws-lambda';
import proxyFixture from '../fixtures/proxy-event.json';
import authorizerFixture from '../fixtures/request-authorizer-event.json';

/** What varies between requests. */
export interface RequestShape {
  method?: string;
  resource?: string;
  path?: string;
  headers?: Record<string, string>;
  body?: string | null;
  isBase64Encoded?: boolean;
  authorizer?: Record<string, string | number> | null;
}

const multi = (headers: Record<string, string>) => Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, [v]]));

/** A REST proxy event shaped like AWS's documented example, for one request. */
export function proxyEvent(shape: RequestShape = {}): APIGatewayProxyEvent {
  const event = structuredClone(proxyFixture) as unknown as APIGatewayProxyEvent;
  const method = shape.method ?? 'POST';
  const resource = shape.resource ?? shape.path ?? event.resource;
  const headers = { ...event.headers, ...shape.headers } as Record<string, string>;
  for (const [k, v] of Object.entries(shape.headers ?? {})) if (v === undefined) delete headers[k];
  return {
    ...event,
    httpMethod: method,
    resource,
    path: shape.path ?? resource,
    headers,
    multiValueHeaders: multi(headers),
    body: shape.body === undefined ? null : shape.body,
    isBase64Encoded: shape.isBase64Encoded ?? false,
    requestContext: {
      ...event.requestContext,
      httpMethod: method,
      resourcePath: resource,
      path: `/prod${shape.path ?? resource}`,
      requestId: crypto.randomUUID(),
      authorizer: shape.authorizer ?? null,
    } as APIGatewayProxyEvent['requestContext'],
  };
}

/** A JSON POST to `path`. */
export const jsonPost = (path: string, body: unknown, headers: Record<string, string> = {}): APIGatewayProxyEvent =>
  proxyEvent({ method: 'POST', path, body: JSON.stringify(body), headers });

/** A REQUEST authorizer event shaped like AWS's documented example. */
export function authorizerEvent(opts: {
  method: string;
  resource: string;
  authorization?: string;
  headerName?: string;
}): APIGatewayRequestAuthorizerEvent {
  const event = structuredClone(authorizerFixture) as unknown as APIGatewayRequestAuthorizerEvent;
  const headers: Record<string, string> = { ...(event.headers as Record<string, string>) };
  delete headers.Authorization;
  if (opts.authorization !== undefined) headers[opts.headerName ?? 'Authorization'] = opts.authorization;
  return {
    ...event,
    methodArn: `arn:aws:execute-api:us-east-1:123456789012:abcdef123/prod/${opts.method}${opts.resource}`,
    resource: opts.resource,
    path: opts.resource,
    httpMethod: opts.method,
    headers,
    multiValueHeaders: multi(headers),
  };
}
