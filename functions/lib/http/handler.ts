import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import type { AuthLogger } from '../telemetry/events';
import type { AuthMetrics } from '../telemetry/metrics';
import { lazyDeps, type DepsInput } from './lazy';
import { header } from './request';
import { toHttpResponse } from './response';

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
