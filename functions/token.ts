import type { APIGatewayProxyEvent } from 'aws-lambda';
import { authenticateClient, clientCredentials } from './lib/flows/client-credentials';
import type { CoreDeps } from './lib/flows/deps';
import { introspect, revokeToken } from './lib/flows/token-status';
import { defaultCoreDeps } from './lib/wiring/core';
import { createHttpHandler, type HttpHandler } from './lib/http/handler';
import { json } from './lib/http/response';
import { basicCredentials, readForm, requestMeta } from './lib/http/request';
import type { DepsInput } from './lib/http/lazy';
import { REQUEST_BODIES } from './lib/contract/schemas';
import { InvalidClientError, InvalidRequestError, UnsupportedGrantTypeError } from './lib/domain/errors';
import type { ClientAuthMethod } from './lib/domain/clients';
import { createLogger } from './lib/telemetry/logger';

/** RFC 6749 §5.1: a token answer is never cached; `Pragma` for HTTP/1.0 caches. */
const NO_CACHE = { Pragma: 'no-cache' };

/**
 * The OAuth endpoints, form-encoded (RFC 6749 §3.2), each for an authenticated client:
 * `POST /oauth2/token`, the client credentials grant (§4.4); `POST /oauth2/introspect` (RFC
 * 7662); `POST /oauth2/revoke` (RFC 7009).
 */
export function createHandler(deps: DepsInput<CoreDeps>): HttpHandler {
  return createHttpHandler(deps, createLogger(), async (event, d) => {
    const meta = requestMeta(event);
    if (event.resource === '/oauth2/introspect') {
      const form = readForm(event, REQUEST_BODIES.introspect);
      await authenticateClient(credentialsOf(event, form), meta, d);
      return json(200, await introspect(form.token, d), NO_CACHE);
    }
    if (event.resource === '/oauth2/revoke') {
      const form = readForm(event, REQUEST_BODIES.revoke);
      const client = await authenticateClient(credentialsOf(event, form), meta, d);
      await revokeToken(form.token, client, meta, d);
      return json(200, {}, NO_CACHE);
    }
    const form = readForm(event, REQUEST_BODIES.token);
    const credentials = credentialsOf(event, form);
    if (form.grant_type !== 'client_credentials') throw new UnsupportedGrantTypeError(form.grant_type);
    return json(200, await clientCredentials({ ...credentials, scope: form.scope, resource: form.resource }, meta, d), NO_CACHE);
  });
}

/**
 * The client's credentials: HTTP Basic, or `client_id` and `client_secret` in the form, never
 * both (RFC 6749 §2.3). None at all: a challenge for Basic, which every client supports.
 */
function credentialsOf(
  event: APIGatewayProxyEvent,
  form: { client_id?: string; client_secret?: string },
): { clientId: string; clientSecret: string; method: ClientAuthMethod } {
  const basic = basicCredentials(event.headers);
  if (basic && (form.client_id !== undefined || form.client_secret !== undefined)) {
    throw new InvalidRequestError('use one client authentication method: HTTP Basic or the form, not both');
  }
  if (basic) return { clientId: basic.id, clientSecret: basic.secret, method: 'client_secret_basic' };
  if (form.client_id !== undefined && form.client_secret !== undefined) {
    return { clientId: form.client_id, clientSecret: form.client_secret, method: 'client_secret_post' };
  }
  throw new InvalidClientError(true);
}

export const handler = createHandler(defaultCoreDeps);
