import { createHttpHandler, type HttpHandler } from './lib/http/handler';
import { json } from './lib/http/response';
import type { DepsInput } from './lib/http/lazy';
import { createLogger } from './lib/telemetry/logger';
import { defaultVerifyDeps, type VerifyDeps } from './lib/wiring/verify';
import { authorizationServerMetadata } from './lib/contract/discovery';

/**
 * `GET /.well-known/jwks.json`: the public keys that verify our access tokens, cacheable; and
 * `GET /.well-known/openid-configuration` and `/.well-known/oauth-authorization-server`: the
 * metadata that points to them and to the OAuth endpoints (RFC 8414; OpenID Connect Discovery
 * 1.0 §4), for standard verifiers, OAuth client libraries and API Gateway JWT authorizers; and
 * `GET /openapi.json`: the API's own OpenAPI document, served by the stack as by `npm start`.
 */
export function createHandler(deps: DepsInput<VerifyDeps>): HttpHandler {
  return createHttpHandler(deps, createLogger(), async (event, d) => {
    const cache = { 'Cache-Control': `public, max-age=${d.jwksMaxAgeSeconds}` };
    if (event.resource === '/.well-known/openid-configuration' || event.resource === '/.well-known/oauth-authorization-server') {
      return json(200, authorizationServerMetadata(d.issuer), cache);
    }
    // Loaded on its first request only: the key set's cold start does not evaluate the API's schemas.
    if (event.resource === '/openapi.json') {
      const { openApiDocument } = require('./lib/contract/openapi') as typeof import('./lib/contract/openapi');
      return json(200, openApiDocument(d.issuer), cache);
    }
    return json(200, await d.keys.getPublicJwks(), cache);
  });
}

export const handler = createHandler(defaultVerifyDeps);
