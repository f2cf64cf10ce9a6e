import { type Client, type ClientAuthMethod, grantScopes, isClientId, matchingSecret, parseScope } from '../domain/clients';
import { epochSeconds } from '../domain/clock';
import { InvalidClientError, InvalidTargetError, TokenError, TooManyAttemptsError } from '../domain/errors';
import { verifyClientAssertion } from '../tokens/client-assertions';
import type { JSONWebKeySet } from 'jose';
import { requestFields, type RequestMeta } from '../domain/request-meta';
import { readThrottle, recordFailedCheck } from '../domain/throttle';
import { failOpen } from './counters';
import type { CoreDeps } from './deps';

/** A client's credentials as the token endpoint received them, and what it asks for. */
export interface ClientCredentialsInput {
  readonly clientId: string;
  /** For the secret methods. */
  readonly clientSecret?: string;
  /** For `private_key_jwt`: the signed assertion (RFC 7523 §2.2). */
  readonly clientAssertion?: string;
  /** How they came: the Authorization header or the form body (RFC 6749 §2.3.1), or an assertion. */
  readonly method: ClientAuthMethod;
  /** RFC 6749 §3.3, space-delimited; absent: every scope the client may have. */
  readonly scope?: string | undefined;
  /** RFC 8707: the audience asked for; absent: the client's first. */
  readonly resource?: string | undefined;
}

/** RFC 6749 §4.4.3 and §5.1: no refresh token for a client. */
export interface ClientTokenResponse {
  readonly access_token: string;
  readonly token_type: 'Bearer';
  readonly expires_in: number;
  readonly scope: string;
}

/** The audit trail and counters key a client as this: never a user id or a username (no `:` in those). */
export const clientSubject = (clientId: string) => `client:${clientId}`;

/**
 * The client credentials grant (RFC 6749 §4.4): authenticates the client, then issues a token
 * for the scopes and audience it may have. Nothing is written when all goes well.
 */
export async function clientCredentials(input: ClientCredentialsInput, meta: RequestMeta, deps: CoreDeps): Promise<ClientTokenResponse> {
  const client = await authenticateClient(input, meta, deps);
  const scopes = grantScopes(input.scope === undefined ? undefined : parseScope(input.scope), client.scopes);
  const audience = input.resource ?? client.audiences[0];
  if (audience === undefined || !client.audiences.includes(audience)) {
    throw new InvalidTargetError('the client may not have tokens for this resource');
  }
  const { accessToken, expiresIn } = await deps.accessTokens.issueForClient({
    clientId: client.clientId,
    scopes,
    audience,
    ttlSeconds: client.accessTokenTtlSeconds,
  });
  await deps.audit.record('client_token_issued', { ...requestFields(meta), userId: clientSubject(client.clientId) });
  return { access_token: accessToken, token_type: 'Bearer', expires_in: expiresIn, scope: scopes.join(' ') };
}

/**
 * Checks a client's id and secret. Unknown client, wrong or expired secret, another method
 * than the registered one and a disabled client fail alike (`invalid_client`). Failures count
 * on the counters a login's do, keyed by the client id and the address (ASVS 6.3.1); a source
 * that authenticated before is trusted, so nobody else can lock a working service out.
 */
export async function authenticateClient(input: ClientCredentialsInput, meta: RequestMeta, deps: CoreDeps): Promise<Client> {
  const basic = input.method === 'client_secret_basic';
  const now = epochSeconds(deps.now);
  const known = isClientId(input.clientId);
  const [reading, cached] = await Promise.all([
    readThrottle(deps.attempts, clientSubject(input.clientId.slice(0, 64)), meta.sourceIp ?? 'unknown', now, deps.throttle),
    known ? (deps.authClients ?? deps.clients).getClient(input.clientId) : undefined,
  ]);
  // A secret (or a client) the cache does not know yet, after a rotation: read afresh, once.
  const stale = !cached || (input.method !== 'private_key_jwt' && !matchingSecret(cached, input.clientSecret ?? '', now));
  const fresh = known && deps.authClients && stale;
  const client = fresh ? await deps.clients.getClient(input.clientId) : cached;
  const userId = client && clientSubject(client.clientId);
  if (reading.retryAfterSeconds > 0) {
    await deps.audit.record('client_auth_throttled', { ...requestFields(meta), userId, outcome: 'failure', reason: 'backoff' });
    throw new TooManyAttemptsError(reading.retryAfterSeconds);
  }
  const proven = client !== undefined && client.authMethod === input.method && (await proves(client, input, now, deps));
  if (!client || !proven || client.status !== 'active') {
    const reason = !client
      ? 'unknown_client'
      : client.authMethod !== input.method
        ? 'wrong_method'
        : !proven
          ? 'wrong_credentials'
          : 'client_disabled';
    await Promise.all([
      recordFailedCheck(deps.attempts, reading, now, deps.throttle),
      deps.audit.record('client_auth_failed', { ...requestFields(meta), userId, outcome: 'failure', reason }),
    ]);
    throw new InvalidClientError(basic);
  }
  // Writes only when there is something to change: a steady stream of tokens writes nothing.
  const { keys, records } = reading;
  await Promise.all([
    records.has(keys.source) ? failOpen(deps.attempts.clear(keys.source), meta, deps) : undefined,
    records.has(keys.trust)
      ? undefined
      : failOpen(deps.attempts.markTrusted(keys.trust, now, deps.throttle.trustedSourceSeconds), meta, deps),
  ]);
  return client;
}

/**
 * Does the request prove it is this client? A live secret, or a `private_key_jwt` assertion
 * signed by one of its keys, for this server, whose `jti` was never used (one conditional write,
 * kept until the assertion expires: a replay fails, RFC 7523 §3 item 7).
 */
async function proves(client: Client, input: ClientCredentialsInput, now: number, deps: CoreDeps): Promise<boolean> {
  if (input.method !== 'private_key_jwt') return matchingSecret(client, input.clientSecret ?? '', now) !== undefined;
  if (!client.jwks || !input.clientAssertion) return false;
  const base = deps.web.issuer.replace(/\/$/, '');
  try {
    const { jti, exp } = await verifyClientAssertion(input.clientAssertion, client.jwks as JSONWebKeySet, {
      clientId: client.clientId,
      // This server: its issuer, or the endpoint the assertion is sent to (RFC 7523 §3 item 3).
      audiences: [deps.web.issuer, `${base}/oauth2/token`, `${base}/oauth2/introspect`, `${base}/oauth2/revoke`],
      now,
      clockToleranceSeconds: deps.clockToleranceSeconds,
    });
    return await deps.attempts.claimOnce(`jti#${client.clientId}#${jti}`, now, Math.max(1, exp - now) + deps.clockToleranceSeconds);
  } catch (err) {
    if (err instanceof TokenError) return false;
    throw err;
  }
}
