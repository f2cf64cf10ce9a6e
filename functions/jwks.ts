import { createHttpHandler, json, type HttpHandler } from './lib/http';
import { createLogger } from './lib/logger';
import type { DepsInput } from './lib/lazy';
import { defaultVerifyDeps, type VerifyDeps } from './lib/verify-deps';

/** `GET /.well-known/jwks.json`: the public keys that verify our access tokens, cacheable. */
export function createHandler(deps: DepsInput<VerifyDeps>): HttpHandler {
  return createHttpHandler(deps, createLogger(), async (_event, d) =>
    json(200, await d.keys.getPublicJwks(), { 'Cache-Control': `public, max-age=${d.jwksMaxAgeSeconds}` }),
  );
}

export const handler = createHandler(defaultVerifyDeps);
