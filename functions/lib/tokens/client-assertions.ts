import { createLocalJWKSet, errors as jose, type JSONWebKeySet, jwtVerify } from 'jose';
import { TokenError } from '../domain/errors';
import { ALLOWED_ALGORITHMS } from './key-source';

/** RFC 7523 §2.2: the `client_assertion_type` of a JWT that authenticates a client. */
export const JWT_BEARER_ASSERTION = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

/** How far ahead an assertion's `exp` may be: it is meant for one request. */
export const MAX_ASSERTION_LIFETIME_SECONDS = 300;

/**
 * Verifies a `private_key_jwt` client assertion (RFC 7523 §3) against the client's registered
 * public keys: RS256 or ES256 only, `iss` and `sub` the client, `aud` this server (its token
 * endpoint or its issuer), `exp` present and at most 5 minutes ahead, `jti` present. The caller
 * makes the `jti` single-use. Any failure is a `TokenError`.
 */
export async function verifyClientAssertion(
  assertion: string,
  jwks: JSONWebKeySet,
  o: { clientId: string; audiences: readonly string[]; now: number; clockToleranceSeconds: number },
): Promise<{ jti: string; exp: number }> {
  try {
    const { payload } = await jwtVerify(assertion, createLocalJWKSet(jwks), {
      algorithms: [...ALLOWED_ALGORITHMS],
      issuer: o.clientId,
      subject: o.clientId,
      audience: [...o.audiences],
      requiredClaims: ['exp', 'jti'],
      clockTolerance: o.clockToleranceSeconds,
      currentDate: new Date(o.now * 1000),
    });
    const { exp, jti } = payload as { exp: number; jti: unknown };
    if (typeof jti !== 'string' || jti === '' || jti.length > 256)
      throw new TokenError('ERR_JWT_CLAIM_INVALID', 'assertion jti is invalid');
    if (exp > o.now + MAX_ASSERTION_LIFETIME_SECONDS + o.clockToleranceSeconds) {
      throw new TokenError('ERR_JWT_CLAIM_INVALID', 'assertion lives longer than 5 minutes');
    }
    return { jti, exp };
  } catch (err) {
    if (err instanceof TokenError) throw err;
    if (err instanceof jose.JOSEError) throw new TokenError('ERR_JWT_CLAIM_INVALID', `assertion refused: ${err.code}`);
    throw err;
  }
}
