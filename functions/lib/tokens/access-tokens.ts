import { KeyObject, randomUUID, sign as cryptoSign } from 'node:crypto';
import { errors as jose, jwtVerify, type JWTHeaderParameters } from 'jose';
import { epochSeconds, type Clock } from '../domain/clock';
import { TokenError, type TokenErrorCode } from '../domain/errors';
import { isMultiFactor, MFA_ACR, type AuthMethod } from '../domain/factors';
import { ALLOWED_ALGORITHMS, type KeySource } from './key-source';

/** RFC 9068 §2.1: the media type of a JWT access token, in the `typ` header. */
export const ACCESS_TOKEN_TYP = 'at+jwt';

/** What an access token says. Nothing else goes in: downstream services need no more. */
export interface AccessTokenClaims {
  readonly iss: string;
  readonly aud: string;
  /** The stable user id, never the username. */
  readonly sub: string;
  readonly username: string;
  readonly roles: readonly string[];
  /** The session (refresh-token family) that minted the token. */
  readonly sid: string;
  readonly jti: string;
  readonly iat: number;
  readonly exp: number;
  /**
   * Set on a token a client got for this user by token exchange (RFC 8693 §4.1): the client that
   * acts, as `act.sub` and `client_id`, and the scopes it may act with.
   */
  readonly act?: { readonly sub: string };
  readonly client_id?: string;
  readonly scope?: string;
  /** RFC 8176: how the user authenticated (`pwd`, `otp`, `hwk`, `swk`, and `mfa` for two factors). Absent on tokens older than second factors. */
  readonly amr?: readonly string[];
  /** When the user last authenticated (epoch seconds): the sign-in, or the last step-up (RFC 9470 §4). */
  readonly auth_time?: number;
  /** Set to the multi-factor policy URI when `amr` has `mfa` (RFC 9470 §4). */
  readonly acr?: string;
}

/**
 * What a machine token says (RFC 9068 §2.2): the client is the subject, and `client_id` names
 * it too. No `sid`, no `username`, no `roles`: `toClaims` refuses it, so it can never pass as a
 * user's token.
 */
export interface ClientTokenClaims {
  readonly iss: string;
  readonly aud: string;
  readonly sub: string;
  readonly client_id: string;
  /** Space-delimited (RFC 9068 §2.2.3, RFC 8693 §4.2). */
  readonly scope: string;
  readonly jti: string;
  readonly iat: number;
  readonly exp: number;
}

/** A client's new token: its audience and scopes are already decided. */
export interface ClientTokenRequest {
  readonly clientId: string;
  readonly scopes: readonly string[];
  readonly audience: string;
  readonly ttlSeconds: number;
}

/** The subject of a new token. */
export interface TokenSubject {
  readonly sub: string;
  readonly username: string;
  readonly roles: readonly string[];
  readonly sid: string;
  /** What the session's user proved, and when (the flows always say; a token without them passes no step-up rule). */
  readonly amr?: readonly AuthMethod[];
  readonly authTime?: number;
}

/** Options of the token service. Every check is pinned here; none can be skipped. */
export interface AccessTokenOptions {
  readonly keys: KeySource;
  readonly issuer: string;
  readonly audience: string;
  readonly accessTokenTtlSeconds: number;
  readonly clockToleranceSeconds: number;
  readonly now: Clock;
}

/** Issues and verifies signed access tokens. */
export interface AccessTokens {
  issue(subject: TokenSubject): Promise<{ accessToken: string; expiresIn: number; claims: AccessTokenClaims }>;
  /**
   * A token a client gets for a user by token exchange (RFC 8693): the user's claims (with the
   * session, so ending it ends this token), the acting client, its scopes, another audience.
   */
  issueDelegated(request: {
    readonly subject: TokenSubject;
    readonly clientId: string;
    readonly scopes: readonly string[];
    readonly audience: string;
    readonly exp: number;
  }): Promise<{ accessToken: string; expiresIn: number; claims: AccessTokenClaims }>;
  /** A machine token for a client (RFC 6749 §4.4), signed by the same keys. */
  issueForClient(request: ClientTokenRequest): Promise<{ accessToken: string; expiresIn: number; claims: ClientTokenClaims }>;
  verify(token: string): Promise<AccessTokenClaims>;
  /**
   * For introspection and revocation (RFC 7662, RFC 7009): a user's or a client's token, every
   * check as `verify` makes it except the audience, which the caller checks (a client's token
   * may name any audience its registration lists).
   */
  verifyIssued(token: string): Promise<VerifiedClaims>;
}

/** Builds the token service over a key source and an injected clock. */
export function createAccessTokens(options: AccessTokenOptions): AccessTokens {
  const { keys, issuer, audience, accessTokenTtlSeconds, clockToleranceSeconds, now } = options;

  return {
    async issue(subject) {
      const iat = epochSeconds(now);
      const claims: AccessTokenClaims = {
        iss: issuer,
        aud: audience,
        sub: subject.sub,
        username: subject.username,
        roles: [...subject.roles],
        sid: subject.sid,
        jti: randomUUID(),
        iat,
        exp: iat + accessTokenTtlSeconds,
        ...authenticationClaims(subject),
      };
      const accessToken = await sign(claims);
      return { accessToken, expiresIn: claims.exp - claims.iat, claims };
    },

    async issueDelegated(request) {
      const iat = epochSeconds(now);
      const { subject } = request;
      const claims: AccessTokenClaims = {
        iss: issuer,
        aud: request.audience,
        sub: subject.sub,
        username: subject.username,
        roles: [...subject.roles],
        sid: subject.sid,
        jti: randomUUID(),
        iat,
        exp: request.exp,
        ...authenticationClaims(subject),
        act: { sub: request.clientId },
        client_id: request.clientId,
        scope: request.scopes.join(' '),
      };
      const accessToken = await sign(claims);
      return { accessToken, expiresIn: request.exp - iat, claims };
    },

    async issueForClient(request) {
      const iat = epochSeconds(now);
      const claims: ClientTokenClaims = {
        iss: issuer,
        aud: request.audience,
        sub: request.clientId,
        client_id: request.clientId,
        scope: request.scopes.join(' '),
        jti: randomUUID(),
        iat,
        exp: iat + request.ttlSeconds,
      };
      const accessToken = await sign(claims);
      return { accessToken, expiresIn: request.ttlSeconds, claims };
    },

    async verifyIssued(token) {
      const payload = await verifiedPayload(token, { requiredClaims: ['exp', 'iat', 'sub', 'jti', 'aud'] });
      return isMachinePayload(payload) ? toClientClaims(payload) : toClaims(payload);
    },

    async verify(token) {
      return toClaims(await verifiedPayload(token, { audience, requiredClaims: ['exp', 'iat', 'sub', 'jti', 'sid'] }));
    },
  };

  /** Signs claims with the current signing key, typed as an RFC 9068 access token. */
  async function sign(claims: AccessTokenClaims | ClientTokenClaims): Promise<string> {
    const { kid, alg, key } = await keys.getSigningKey();
    return signCompact({ alg, kid, typ: ACCESS_TOKEN_TYP }, claims, key);
  }

  /** Every pinned check; the audience unless the caller checks it (`verifyIssued`). */
  async function verifiedPayload(token: string, o: { audience?: string; requiredClaims: string[] }): Promise<Record<string, unknown>> {
    if (typeof token !== 'string' || token === '') throw new TokenError('ERR_JWT_MISSING', 'no access token');
    try {
      const { payload } = await jwtVerify(token, resolveKey, {
        algorithms: [...ALLOWED_ALGORITHMS],
        typ: ACCESS_TOKEN_TYP,
        issuer,
        ...(o.audience !== undefined && { audience: o.audience }),
        requiredClaims: o.requiredClaims,
        clockTolerance: clockToleranceSeconds,
        currentDate: new Date(now()),
      });
      return payload;
    } catch (err) {
      throw toTokenError(err);
    }
  }

  async function resolveKey(header: JWTHeaderParameters) {
    return keyFromTrustedSet(keys, header);
  }
}

/**
 * RFC 8725 §3.1: the key comes from our trusted set by `kid`, and the token's `alg` must be the
 * one that key is registered for; a key or algorithm named by the token itself is never used.
 */
export async function keyFromTrustedSet(keys: KeySource, header: JWTHeaderParameters) {
  if (typeof header.kid !== 'string') throw new TokenError('ERR_JWT_KID_UNKNOWN', 'token has no kid');
  const entry = await keys.getVerificationKey(header.kid);
  if (!entry) throw new TokenError('ERR_JWT_KID_UNKNOWN', 'token was signed by an unknown key');
  if (entry.alg !== header.alg) throw new TokenError('ERR_JWT_ALG_NOT_ALLOWED', 'token alg does not match its key');
  return entry.key;
}

/**
 * The claims of a verified token, if they have the shape we issue (both verifiers use this);
 * otherwise `ERR_JWT_CLAIM_INVALID`.
 */
export function toClaims(payload: Record<string, unknown>): AccessTokenClaims {
  const { iss, aud, sub, username, roles, sid, jti, iat, exp, act, client_id, scope, amr, auth_time, acr } = payload;
  const isString = (v: unknown): v is string => typeof v === 'string' && v !== '';
  if (
    !isString(iss) ||
    !isString(aud) ||
    !isString(sub) ||
    !isString(username) ||
    !isString(sid) ||
    !isString(jti) ||
    typeof iat !== 'number' ||
    typeof exp !== 'number' ||
    !Array.isArray(roles) ||
    !roles.every((r) => typeof r === 'string')
  ) {
    throw new TokenError('ERR_JWT_CLAIM_INVALID', 'token claims have the wrong shape');
  }
  if (
    (amr !== undefined && !(Array.isArray(amr) && amr.every((m) => typeof m === 'string'))) ||
    (auth_time !== undefined && typeof auth_time !== 'number') ||
    (acr !== undefined && typeof acr !== 'string')
  ) {
    throw new TokenError('ERR_JWT_CLAIM_INVALID', 'token claims have the wrong shape');
  }
  const claims: AccessTokenClaims = {
    iss,
    aud,
    sub,
    username,
    roles,
    sid,
    jti,
    iat,
    exp,
    ...(amr !== undefined && { amr: amr as string[] }),
    ...(auth_time !== undefined && { auth_time }),
    ...(acr !== undefined && { acr }),
  };
  if (act === undefined && client_id === undefined && scope === undefined) return claims;
  // A delegated token (RFC 8693): all three, and the actor is the client.
  const actor = (act as { sub?: unknown } | null)?.sub;
  if (!isString(client_id) || actor !== client_id || typeof scope !== 'string') {
    throw new TokenError('ERR_JWT_CLAIM_INVALID', 'token claims have the wrong shape');
  }
  return { ...claims, act: { sub: client_id }, client_id, scope };
}

/** The claims that say how and when the user authenticated (RFC 8176, RFC 9470 §4). */
function authenticationClaims(subject: Pick<TokenSubject, 'amr' | 'authTime'>): Pick<AccessTokenClaims, 'amr' | 'auth_time' | 'acr'> {
  return {
    ...(subject.amr && { amr: [...subject.amr] }),
    ...(subject.authTime !== undefined && { auth_time: subject.authTime }),
    ...(isMultiFactor(subject.amr) && { acr: MFA_ACR }),
  };
}

/** A verified token: a user's, or a machine client's. */
export type VerifiedClaims = AccessTokenClaims | ClientTokenClaims;

/** Is this a machine client's token (a client, not a user acting through one)? */
export const isClientClaims = (claims: VerifiedClaims): claims is ClientTokenClaims => !('sid' in claims);

/** A payload of a machine token: a client's, with no session (a delegated token has the user's). */
export const isMachinePayload = (payload: Record<string, unknown>): boolean => 'client_id' in payload && !('sid' in payload);

/**
 * The claims of a verified machine token, if they have the shape we issue: the client is its
 * own subject, and nothing of a user is there. Otherwise `ERR_JWT_CLAIM_INVALID`.
 */
export function toClientClaims(payload: Record<string, unknown>): ClientTokenClaims {
  const { iss, aud, sub, client_id, scope, jti, iat, exp } = payload;
  const isString = (v: unknown): v is string => typeof v === 'string' && v !== '';
  if (
    !isString(iss) ||
    !isString(aud) ||
    !isString(sub) ||
    client_id !== sub ||
    typeof scope !== 'string' ||
    !isString(jti) ||
    typeof iat !== 'number' ||
    typeof exp !== 'number' ||
    'sid' in payload ||
    'roles' in payload ||
    'username' in payload
  ) {
    throw new TokenError('ERR_JWT_CLAIM_INVALID', 'token claims have the wrong shape');
  }
  return { iss, aud, sub, client_id: sub, scope, jti, iat, exp };
}

const CLAIM_CODES: Readonly<Record<string, TokenErrorCode>> = {
  typ: 'ERR_JWT_TYP_INVALID',
  iss: 'ERR_JWT_ISSUER_INVALID',
  aud: 'ERR_JWT_AUDIENCE_INVALID',
  nbf: 'ERR_JWT_NOT_YET_VALID',
  exp: 'ERR_JWT_EXPIRED',
};

/** Translates jose's errors at this module's boundary into our codes; rethrows the rest. */
export function toTokenError(err: unknown): TokenError {
  if (err instanceof TokenError) return err;
  if (err instanceof jose.JWTExpired) return new TokenError('ERR_JWT_EXPIRED', 'token has expired');
  if (err instanceof jose.JWTClaimValidationFailed) {
    if (err.reason === 'missing') return new TokenError('ERR_JWT_CLAIM_MISSING', `token has no ${err.claim} claim`);
    return new TokenError(CLAIM_CODES[err.claim] ?? 'ERR_JWT_CLAIM_INVALID', `token ${err.claim} check failed`);
  }
  if (err instanceof jose.JOSEAlgNotAllowed) return new TokenError('ERR_JWT_ALG_NOT_ALLOWED', 'token alg is not allowed');
  // (JOSENotSupported: a `crit` extension we do not implement, which RFC 7515 §4.1.11 says to refuse.)
  if (err instanceof jose.JWSSignatureVerificationFailed) {
    return new TokenError('ERR_JWT_SIGNATURE_INVALID', 'token signature is invalid');
  }
  if (err instanceof jose.JOSEError) return new TokenError('ERR_JWT_MALFORMED', 'token is malformed');
  // Anything else (a key source that cannot load, say) is our failure, not the token's.
  throw err;
}

/** The Node key object of each signing key, made once (a CryptoKey cannot be passed to `crypto.sign`). */
const keyObjects = new WeakMap<CryptoKey, KeyObject>();

/**
 * A JWS compact serialization (RFC 7515 §7.1) signed with `node:crypto` in this thread. jose's
 * SignJWT signs through WebCrypto's job queue: 0.45-0.48 ms of CPU per RS256 token here, against
 * 0.29-0.31 ms for the same signature with `crypto.sign` (BENCHMARKS.md, issue 17 target 2).
 * Verification stays with jose (and the authorizer's synchronous verifier), and every test
 * verifies what this signs. ES256 signatures are the raw r || s form JWS requires (RFC 7518 §3.4).
 */
function signCompact(header: { alg: string; kid: string; typ: string }, claims: object, key: CryptoKey): string {
  let keyObject = keyObjects.get(key);
  if (!keyObject) {
    keyObject = KeyObject.from(key);
    keyObjects.set(key, keyObject);
  }
  const input = `${Buffer.from(JSON.stringify(header)).toString('base64url')}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}`;
  const signature = cryptoSign(
    'sha256',
    Buffer.from(input),
    header.alg === 'ES256' ? { key: keyObject, dsaEncoding: 'ieee-p1363' } : keyObject,
  );
  return `${input}.${signature.toString('base64url')}`;
}
