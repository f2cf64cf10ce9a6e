import { ASSERTION_ALGORITHMS_SUPPORTED, CLIENT_AUTH_METHODS_SUPPORTED, GRANT_TYPES_SUPPORTED } from './oauth';
import { ROUTES } from './routes';

/**
 * The authorization server's metadata (RFC 8414 §2), served at
 * `/.well-known/oauth-authorization-server` and, as the OpenID discovery document, at
 * `/.well-known/openid-configuration`: where the keys and the OAuth endpoints are, and what
 * they support. This service has no authorization endpoint, so it supports no response type.
 */
export function authorizationServerMetadata(issuer: string): Record<string, unknown> {
  const base = issuer.replace(/\/$/, '');
  return {
    issuer,
    jwks_uri: `${base}/.well-known/jwks.json`,
    token_endpoint: `${base}/oauth2/token`,
    token_endpoint_auth_methods_supported: [...CLIENT_AUTH_METHODS_SUPPORTED],
    token_endpoint_auth_signing_alg_values_supported: [...ASSERTION_ALGORITHMS_SUPPORTED],
    grant_types_supported: [...GRANT_TYPES_SUPPORTED],
    introspection_endpoint: `${base}/oauth2/introspect`,
    introspection_endpoint_auth_methods_supported: [...CLIENT_AUTH_METHODS_SUPPORTED],
    revocation_endpoint: `${base}/oauth2/revoke`,
    revocation_endpoint_auth_methods_supported: [...CLIENT_AUTH_METHODS_SUPPORTED],
    response_types_supported: [],
    subject_types_supported: ['public'],
    // The scopes the service's own routes ask for; the routes of protected APIs add their own.
    scopes_supported: [...new Set(ROUTES.flatMap((r) => (r.access === 'public' ? [] : (r.access.scopes ?? []))))],
    // RFC 9068 access tokens.
    id_token_signing_alg_values_supported: ['RS256', 'ES256'],
  };
}
