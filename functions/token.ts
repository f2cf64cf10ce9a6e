import { clientCredentials } from './lib/flows/client-credentials';
import type { CoreDeps } from './lib/flows/deps';
import { defaultCoreDeps } from './lib/wiring/core';
import { createHttpHandler, type HttpHandler } from './lib/http/handler';
import { json } from './lib/http/response';
import { basicCredentials, readForm, requestMeta } from './lib/http/request';
import type { DepsInput } from './lib/http/lazy';
import { REQUEST_BODIES } from './lib/contract/schemas';
import { InvalidClientError, InvalidRequestError, UnsupportedGrantTypeError } from './lib/domain/errors';
import { createLogger } from './lib/telemetry/logger';

/**
 * `POST /oauth2/token`, form-encoded (RFC 6749 §3.2): the client credentials grant (§4.4). The
 * client authenticates with HTTP Basic or with `client_id` and `client_secret` in the form,
 * never both (§2.3). Answers `{access_token, token_type, expires_in, scope}` with no-store.
 */
export function createHandler(deps: DepsInput<CoreDeps>): HttpHandler {
  return createHttpHandler(deps, createLogger(), async (event, d) => {
    const form = readForm(event, REQUEST_BODIES.token);
    const basic = basicCredentials(event.headers);
    if (basic && (form.client_id !== undefined || form.client_secret !== undefined)) {
      throw new InvalidRequestError('use one client authentication method: HTTP Basic or the form, not both');
    }
    if (form.grant_type !== 'client_credentials') throw new UnsupportedGrantTypeError(form.grant_type);
    const credentials = basic
      ? { clientId: basic.id, clientSecret: basic.secret, method: 'client_secret_basic' as const }
      : form.client_id !== undefined && form.client_secret !== undefined
        ? { clientId: form.client_id, clientSecret: form.client_secret, method: 'client_secret_post' as const }
        : undefined;
    // No credentials at all: challenge for Basic, the method every client must support (§2.3.1).
    if (!credentials) throw new InvalidClientError(true);
    const answer = await clientCredentials({ ...credentials, scope: form.scope, resource: form.resource }, requestMeta(event), d);
    return json(200, answer, { Pragma: 'no-cache' });
  });
}

export const handler = createHandler(defaultCoreDeps);
