import { createHttpHandler, type HttpHandler } from './lib/http/handler';
import { json } from './lib/http/response';
import type { DepsInput } from './lib/http/lazy';
import { createLogger } from './lib/telemetry/logger';
import { defaultVerifyDeps, type VerifyDeps } from './lib/wiring/verify';

/**
 * `GET /.well-known/jwks.json`: the public keys that verify our access tokens, cacheable; and
 * `GET /.well-known/openid-configuration`: the discovery document that points to them (OpenID
 * Connect Discovery 1.0 §4; RFC 8414), for standard verifiers and API Gateway JWT authorizers.
 */
export function createHandler(deps: DepsInput<VerifyDeps>): HttpHandler {
  return createHttpHandler(deps, createLogger(), async (event, d) => {
    const cache = { 'Cache-Control': `public, max-age=${d.jwksMaxAgeSeconds}` };
    if (event.resource === '/.well-known/openid-configuration') {
      const base = d.issuer.replace(/\/$/, '');
      return json(
        200,
        {
          issuer: d.issuer,
          jwks_uri: `${base}/.well-known/jwks.json`,
          token_endpoint: `${base}/api/auth/login`,
          response_types_supported: ['token'],
          subject_types_supported: ['public'],
          id_token_signing_alg_values_supported: ['RS256'],
          token_endpoint_auth_methods_supported: ['none'],
        },
        cache,
      );
    }
    return json(200, await d.keys.getPublicJwks(), cache);
  });
}

export const handler = createHandler(defaultVerifyDeps);
