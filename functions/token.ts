import type { APIGatewayProxyEvent } from 'aws-lambda';
import { authenticateClient, clientCredentials } from './lib/flows/client-credentials';
import type { CoreDeps } from './lib/flows/deps';
import { introspect, revokeToken } from './lib/flows/token-status';
import { exchangeToken } from './lib/flows/token-exchange';

/** RFC 8693 §2.1. */
const TOKEN_EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange';
import { defaultCoreDeps } from './lib/wiring/core';
import { createHttpHandler, type HttpHandler } from './lib/http/handler';
import { json } from './lib/http/response';
import { basicCredentials, readForm, requestMeta } from './lib/http/request';
import type { DepsInput } from './lib/http/lazy';
import { REQUEST_BODIES } from './lib/contract/schemas';
import { InvalidClientError, InvalidRequestError, UnsupportedGrantTypeError } from './lib/domain/errors';
import type { ClientAuthMethod } from './lib/domain/clients';
import { createLogger } from './lib/telemetry/logger';
import { decodeJwt } from 'jose';
import { JWT_BEARER_ASSERTION } from './lib/tokens/client-assertions';

/** RFC 6749 §5.1: a token answer is never cached; `Pragma` for HTTP/1.0 caches. */
const NO_CACHE = { Pragma: 'no-cache' };

/**
 * The OAuth endpoints, form-encoded (RFC 6749 §3.2), each for an authenticated client:
 * `POST /oauth2/token`, the client credentials grant (§4.4) and token exchange (RFC 8693);
 * `POST /oauth2/introspect` (RFC
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
    if (form.grant_type === TOKEN_EXCHANGE) {
      if (form.subject_token === undefined || form.subject_token_type === undefined) {
        throw new InvalidRequestError('token exchange needs subject_token and subject_token_type');
      }
      if (form.actor_token !== undefined)
        throw new InvalidRequestError('actor_token is not supported: the authenticated client is the actor');
      if (form.resource !== undefined && form.audience !== undefined && form.resource !== form.audience) {
        throw new InvalidRequestError('give one target: resource or audience');
      }
      const client = await authenticateClient(credentials, meta, d);
      const input = {
        subjectToken: form.subject_token,
        subjectTokenType: form.subject_token_type,
        requestedTokenType: form.requested_token_type,
        audience: form.resource ?? form.audience,
        scope: form.scope,
      };
      return json(200, await exchangeToken(input, client, meta, d), NO_CACHE);
    }
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
  form: { client_id?: string; client_secret?: string; client_assertion_type?: string; client_assertion?: string },
): { clientId: string; clientSecret?: string; clientAssertion?: string; method: ClientAuthMethod } {
  const basic = basicCredentials(event.headers);
  const assertion = form.client_assertion !== undefined || form.client_assertion_type !== undefined;
  if (
    [basic !== undefined, form.client_secret !== undefined, assertion].filter(Boolean).length > 1 ||
    (basic && form.client_id !== undefined)
  ) {
    throw new InvalidRequestError('use one client authentication method: HTTP Basic, the form, or an assertion');
  }
  if (assertion) {
    if (form.client_assertion_type !== JWT_BEARER_ASSERTION || form.client_assertion === undefined) {
      throw new InvalidRequestError(`client_assertion_type must be ${JWT_BEARER_ASSERTION}, with a client_assertion`);
    }
    // The assertion names its client (iss and sub); a client_id beside it must agree (RFC 7523 §3).
    const named = subjectOf(form.client_assertion);
    if (named === undefined || (form.client_id !== undefined && form.client_id !== named)) throw new InvalidClientError(false);
    return { clientId: named, clientAssertion: form.client_assertion, method: 'private_key_jwt' };
  }
  if (basic) return { clientId: basic.id, clientSecret: basic.secret, method: 'client_secret_basic' };
  if (form.client_id !== undefined && form.client_secret !== undefined) {
    return { clientId: form.client_id, clientSecret: form.client_secret, method: 'client_secret_post' };
  }
  throw new InvalidClientError(true);
}

/** The `sub` an assertion says it is from, read before verification only to find the client's keys. */
function subjectOf(assertion: string): string | undefined {
  try {
    const sub = (decodeJwt(assertion) as { sub?: unknown }).sub;
    return typeof sub === 'string' ? sub : undefined;
  } catch {
    return undefined;
  }
}

export const handler = createHandler(defaultCoreDeps);
