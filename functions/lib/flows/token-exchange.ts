import type { AuthMethod } from '../domain/factors';
import { type Client, grantScopes, parseScope } from '../domain/clients';
import { epochSeconds } from '../domain/clock';
import { InvalidRequestError, InvalidTargetError, TokenError } from '../domain/errors';
import { requestFields, type RequestMeta } from '../domain/request-meta';
import { userTokenStanding } from '../domain/token-standing';
import { type AccessTokenClaims, isClientClaims, type VerifiedClaims } from '../tokens/access-tokens';
import type { CoreDeps } from './deps';

/** RFC 8693 §3: the token type of an access token, the only one exchanged here, both ways. */
export const ACCESS_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:access_token';

/** A token exchange request, as the token endpoint received it (RFC 8693 §2.1). */
export interface TokenExchangeInput {
  readonly subjectToken: string;
  readonly subjectTokenType: string;
  readonly requestedTokenType?: string | undefined;
  /** The downstream API (RFC 8707 `resource`, or RFC 8693 `audience`); absent: the client's first. */
  readonly audience?: string | undefined;
  readonly scope?: string | undefined;
}

/** RFC 8693 §2.2.1. */
export interface TokenExchangeResponse {
  readonly access_token: string;
  readonly issued_token_type: typeof ACCESS_TOKEN_TYPE;
  readonly token_type: 'Bearer';
  readonly expires_in: number;
  readonly scope: string;
}

/**
 * Token exchange (RFC 8693) for an authenticated client that holds a user's access token: a
 * token for a downstream audience the client's registration lists, in which the user stays the
 * subject (with the roles they hold now, and their session: ending it ends this token too), `act`
 * names the client, the scopes narrow to the client's, and `exp` never passes the subject
 * token's. Only a user's own token is exchanged, not a client's nor an exchanged one.
 */
export async function exchangeToken(
  input: TokenExchangeInput,
  client: Client,
  meta: RequestMeta,
  deps: CoreDeps,
): Promise<TokenExchangeResponse> {
  if (input.subjectTokenType !== ACCESS_TOKEN_TYPE) throw new InvalidRequestError(`subject_token_type must be ${ACCESS_TOKEN_TYPE}`);
  if (input.requestedTokenType !== undefined && input.requestedTokenType !== ACCESS_TOKEN_TYPE) {
    throw new InvalidRequestError(`requested_token_type must be ${ACCESS_TOKEN_TYPE}`);
  }
  const subject = await standingUserClaims(input.subjectToken, deps);
  const audience = input.audience ?? client.audiences[0];
  if (audience === undefined || !client.audiences.includes(audience)) {
    throw new InvalidTargetError('the client may not exchange tokens for this audience');
  }
  const scopes = grantScopes(input.scope === undefined ? undefined : parseScope(input.scope), client.scopes);
  const now = epochSeconds(deps.now);
  const { accessToken, expiresIn } = await deps.accessTokens.issueDelegated({
    // RFC 8693 §2.2.1: the new token describes the same authentication as the subject token.
    subject: {
      sub: subject.claims.sub,
      username: subject.claims.username,
      roles: subject.roles,
      sid: subject.claims.sid,
      ...(subject.claims.amr && { amr: subject.claims.amr as AuthMethod[] }),
      ...(subject.claims.auth_time !== undefined && { authTime: subject.claims.auth_time }),
    },
    clientId: client.clientId,
    scopes,
    audience,
    exp: Math.min(subject.claims.exp, now + client.accessTokenTtlSeconds),
  });
  await deps.audit.record('token_exchanged', {
    ...requestFields(meta),
    userId: subject.claims.sub,
    sid: subject.claims.sid,
    reason: client.clientId,
  });
  return {
    access_token: accessToken,
    issued_token_type: ACCESS_TOKEN_TYPE,
    token_type: 'Bearer',
    expires_in: expiresIn,
    scope: scopes.join(' '),
  };
}

/** The subject token's claims if it is a user's own token for this service that stands now; `invalid_request` otherwise (RFC 8693 §2.2.2). */
async function standingUserClaims(token: string, deps: CoreDeps): Promise<{ claims: AccessTokenClaims; roles: readonly string[] }> {
  let claims: VerifiedClaims;
  try {
    claims = await deps.accessTokens.verifyIssued(token);
  } catch (err) {
    if (err instanceof TokenError) throw new InvalidRequestError('subject_token is not a valid access token');
    throw err;
  }
  if (isClientClaims(claims) || claims.act !== undefined || claims.aud !== deps.audience) {
    throw new InvalidRequestError("subject_token must be a user's own access token for this service");
  }
  const [session, user] = await Promise.all([deps.sessions.getSession(claims.sid), deps.users.getUser(claims.username)]);
  const standing = userTokenStanding(claims, { session, user });
  if (standing.revoked) throw new InvalidRequestError('subject_token is no longer valid');
  return { claims, roles: standing.roles };
}
