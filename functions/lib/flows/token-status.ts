import type { Client } from '../domain/clients';
import { TokenError, UnauthorizedClientError } from '../domain/errors';
import type { RequestMeta } from '../domain/request-meta';
import { clientTokenStanding, userTokenStanding } from '../domain/token-standing';
import { isClientClaims, type VerifiedClaims } from '../tokens/access-tokens';
import { endClientTokens } from './clients';
import type { CoreDeps } from './deps';

/** RFC 7662 §2.2: `{active: false}` says nothing more, whatever the reason. */
export type Introspection =
  | { readonly active: false }
  | ({ readonly active: true; readonly token_type: 'Bearer' } & Record<string, unknown>);

const INACTIVE = { active: false } as const;

/**
 * Token introspection (RFC 7662) for an authenticated client: whether an access token this
 * server issued is valid now (signature, expiry, audience, and not revoked: its session and
 * user, or its client, still stand), and what it says. Anything else is `{active: false}`.
 */
export async function introspect(token: string, deps: CoreDeps): Promise<Introspection> {
  const claims = await standingClaims(token, deps);
  if (!claims) return INACTIVE;
  const common = {
    active: true,
    token_type: 'Bearer',
    iss: claims.iss,
    sub: claims.sub,
    aud: claims.aud,
    exp: claims.exp,
    iat: claims.iat,
    jti: claims.jti,
  } as const;
  return isClientClaims(claims)
    ? { ...common, client_id: claims.client_id, scope: claims.scope }
    : { ...common, username: claims.username, ...(claims.act && { act: claims.act, client_id: claims.client_id, scope: claims.scope }) };
}

/**
 * Token revocation (RFC 7009) by the client the token was issued to. A JWT access token cannot
 * be unmade, so revoking one ends every token the client holds (§2.1 allows ending the tokens
 * of the same grant), within the authorizer's revocation bound. An invalid or expired token is
 * no error (§2.2); a token issued to someone else is refused.
 */
export async function revokeToken(token: string, caller: Client, meta: RequestMeta, deps: CoreDeps): Promise<void> {
  let claims: VerifiedClaims;
  try {
    claims = await deps.accessTokens.verifyIssued(token);
  } catch (err) {
    if (err instanceof TokenError) return;
    throw err;
  }
  if (!isClientClaims(claims) || claims.client_id !== caller.clientId) {
    throw new UnauthorizedClientError('the token was not issued to this client');
  }
  await endClientTokens(caller.clientId, meta, deps);
}

/** The claims of a token that is valid and stands now, or undefined. */
async function standingClaims(token: string, deps: CoreDeps): Promise<VerifiedClaims | undefined> {
  let claims: VerifiedClaims;
  try {
    claims = await deps.accessTokens.verifyIssued(token);
  } catch (err) {
    if (err instanceof TokenError) return undefined;
    throw err;
  }
  // The same rules as the authorizer's revocation check, on fresh reads.
  if (isClientClaims(claims)) {
    const client = await deps.clients.getClient(claims.client_id);
    if (!client?.audiences.includes(claims.aud)) return undefined;
    return clientTokenStanding(claims, client).revoked ? undefined : claims;
  }
  // A user's own token is for this service; one a client got for them by token exchange is for
  // an audience that client's registration lists.
  if (
    claims.client_id === undefined
      ? claims.aud !== deps.audience
      : !(await deps.clients.getClient(claims.client_id))?.audiences.includes(claims.aud)
  ) {
    return undefined;
  }
  const [session, user] = await Promise.all([deps.sessions.getSession(claims.sid), deps.users.getUser(claims.username)]);
  return userTokenStanding(claims, { session, user }).revoked ? undefined : claims;
}
