import { createPublicKey, verify as cryptoVerify, type KeyObject } from 'node:crypto';
import type { JSONWebKeySet } from 'jose';
import { type AccessTokenClaims, isMachinePayload, toClaims, toClientClaims, type VerifiedClaims } from './access-tokens';
import type { Clock } from '../domain/clock';
import { TokenError, type TokenErrorCode } from '../domain/errors';
import { KeySetCache } from './key-set-cache';

/** A public key ready for `crypto.verify`, with the one algorithm it may verify. */
export interface VerifyKey {
  readonly alg: 'RS256' | 'ES256';
  readonly key: KeyObject;
}

/** Imports a public JWK set as node KeyObjects (no jose in the bundle). Keys of other algorithms are skipped. */
export function importVerifyKeys(jwks: JSONWebKeySet): Map<string, VerifyKey> {
  const keys = new Map<string, VerifyKey>();
  for (const jwk of jwks.keys) {
    if (typeof jwk.kid !== 'string' || (jwk.alg !== 'RS256' && jwk.alg !== 'ES256')) continue;
    const { kty, n, e, crv, x, y } = jwk;
    const material = kty === 'RSA' ? { kty, n, e } : { kty, crv, x, y };
    keys.set(jwk.kid, { alg: jwk.alg as VerifyKey['alg'], key: createPublicKey({ key: material as never, format: 'jwk' }) });
  }
  return keys;
}

const B64URL = /^[A-Za-z0-9_-]*$/;
const fail = (code: TokenErrorCode, message: string): never => {
  throw new TokenError(code, message);
};

// jose's base64url decoding is strict; so is ours, so both refuse the same strings.
function decodeSegment(segment: string): Buffer | undefined {
  if (!B64URL.test(segment) || segment.length % 4 === 1) return undefined;
  return Buffer.from(segment, 'base64url');
}

// Invalid UTF-8 is refused, not repaired (as jose does): a token has exactly one reading.
// Node's decoder repairs with U+FFFD, so only text that has one needs the strict decoder.
const utf8 = new TextDecoder('utf-8', { fatal: true });
const decodeUtf8 = (bytes: Buffer) => {
  const text = bytes.toString('utf8');
  return text.includes('\uFFFD') ? utf8.decode(bytes) : text;
};

function parseObject(bytes: Buffer | undefined): Record<string, unknown> | undefined {
  if (!bytes) return undefined;
  try {
    const value: unknown = JSON.parse(decodeUtf8(bytes));
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

const normalizeTyp = (typ: string) => (typ.includes('/') ? typ.toLowerCase() : `application/${typ.toLowerCase()}`);
const REQUIRED = ['exp', 'iat', 'sub', 'jti', 'sid', 'iss', 'aud'] as const;
/** A machine token (RFC 9068 §2.2) has `client_id` and `scope` where a user's has `sid`. */
const CLIENT_REQUIRED = ['exp', 'iat', 'sub', 'jti', 'client_id', 'scope', 'iss', 'aud'] as const;

// Every token a key signs carries the same header segment, so a parsed header is reused (a
// few distinct ones at most; frozen so no caller can change what the next token reads).
const headers = new Map<string, Readonly<Record<string, unknown>> | undefined>();
function parseHeader(segment: string): Readonly<Record<string, unknown>> | undefined {
  if (headers.has(segment)) return headers.get(segment);
  const header = parseObject(decodeSegment(segment));
  if (headers.size >= 16) headers.clear();
  headers.set(segment, header && Object.freeze(header));
  return header;
}

/** Options of the synchronous verifier. */
export interface FastVerifierOptions {
  readonly issuer: string;
  readonly audience: string;
  readonly clockToleranceSeconds: number;
  readonly now: Clock;
}

/**
 * The same checks as the jose-based verifier (`access-tokens.ts`), in the same order and with
 * the same error codes, on `node:crypto` synchronously: the authorizer's hot path, as
 * aws-jwt-verify's `verifySync` does. `test/unit/fast-verifier.test.ts` checks both agree on
 * every token of an attack corpus and of a fast-check corpus.
 */
export function verifyWithKeys(token: string, keys: ReadonlyMap<string, VerifyKey>, o: FastVerifierOptions): AccessTokenClaims {
  return toClaims(verifyPayload(token, keys, o, userRequired));
}

/** The claims a token must have: module-level, so the hot path allocates no closure per token. */
const userRequired = () => REQUIRED;
const anyRequired = (payload: Record<string, unknown>) => (isMachinePayload(payload) ? CLIENT_REQUIRED : REQUIRED);

/**
 * As `verifyWithKeys`, for a verifier that takes machine tokens too (the authorizer): a token
 * with `client_id` is checked as a client's, every other one exactly as a user's.
 */
export function verifyAnyWithKeys(token: string, keys: ReadonlyMap<string, VerifyKey>, o: FastVerifierOptions): VerifiedClaims {
  const payload = verifyPayload(token, keys, o, anyRequired);
  return isMachinePayload(payload) ? toClientClaims(payload) : toClaims(payload);
}

function verifyPayload(
  token: string,
  keys: ReadonlyMap<string, VerifyKey>,
  o: FastVerifierOptions,
  requiredOf: (payload: Record<string, unknown>) => readonly string[],
): Record<string, unknown> {
  if (typeof token !== 'string' || token === '') fail('ERR_JWT_MISSING', 'no access token');
  const parts = token.split('.');
  if (parts.length !== 3) fail('ERR_JWT_MALFORMED', 'token is malformed');
  const [h, p, s] = parts as [string, string, string];
  const header = parseHeader(h);
  // RFC 7515 §4.1.11: we implement no `crit` extension, so any token that has one is refused.
  if (!header || 'crit' in header || typeof header.alg !== 'string') return fail('ERR_JWT_MALFORMED', 'token is malformed');
  if (header.alg !== 'RS256' && header.alg !== 'ES256') fail('ERR_JWT_ALG_NOT_ALLOWED', 'token alg is not allowed');
  if (typeof header.kid !== 'string') fail('ERR_JWT_KID_UNKNOWN', 'token has no kid');
  const entry = keys.get(header.kid as string);
  if (!entry) return fail('ERR_JWT_KID_UNKNOWN', 'token was signed by an unknown key');
  if (entry.alg !== header.alg) fail('ERR_JWT_ALG_NOT_ALLOWED', 'token alg does not match its key');
  const signature = decodeSegment(s);
  if (!signature) return fail('ERR_JWT_MALFORMED', 'token is malformed');
  const data = Buffer.from(token.slice(0, h.length + 1 + p.length), 'latin1');
  const ok =
    entry.alg === 'ES256'
      ? cryptoVerify('sha256', data, { key: entry.key, dsaEncoding: 'ieee-p1363' }, signature)
      : cryptoVerify('sha256', data, entry.key, signature);
  if (!ok) fail('ERR_JWT_SIGNATURE_INVALID', 'token signature is invalid');

  const payload = parseObject(decodeSegment(p));
  if (!payload) return fail('ERR_JWT_MALFORMED', 'token is malformed');
  if (typeof header.typ !== 'string' || normalizeTyp(header.typ) !== 'application/at+jwt')
    fail('ERR_JWT_TYP_INVALID', 'token typ check failed');
  for (const claim of requiredOf(payload)) if (!(claim in payload)) fail('ERR_JWT_CLAIM_MISSING', `token has no ${claim} claim`);
  if (payload.iss !== o.issuer) fail('ERR_JWT_ISSUER_INVALID', 'token iss check failed');
  const aud = payload.aud;
  if (!(aud === o.audience || (Array.isArray(aud) && aud.includes(o.audience)))) fail('ERR_JWT_AUDIENCE_INVALID', 'token aud check failed');
  const now = Math.floor(o.now() / 1000);
  if (typeof payload.iat !== 'number') fail('ERR_JWT_CLAIM_INVALID', 'token iat check failed');
  if (payload.nbf !== undefined && (typeof payload.nbf !== 'number' || payload.nbf > now + o.clockToleranceSeconds)) {
    fail('ERR_JWT_NOT_YET_VALID', 'token nbf check failed');
  }
  if (typeof payload.exp !== 'number') fail('ERR_JWT_EXPIRED', 'token exp check failed');
  if ((payload.exp as number) <= now - o.clockToleranceSeconds) fail('ERR_JWT_EXPIRED', 'token has expired');
  return payload;
}

/** A cache of a public key set, imported for `crypto.verify`: what the synchronous verifier reads. */
export function createVerifyKeyCache(
  load: () => Promise<JSONWebKeySet>,
  options: { ttlMs: number; now?: Clock },
): KeySetCache<Map<string, VerifyKey>> {
  return new KeySetCache<Map<string, VerifyKey>>({
    load: async () => ({ jwks: await load() }),
    build: (snapshot) => importVerifyKeys(snapshot.jwks),
    has: (built, kid) => built.has(kid),
    ttlMs: options.ttlMs,
    ...(options.now && { now: options.now }),
  });
}

/** Verifies users' tokens with keys from a cache: synchronous while the key is there, one fetch when it is not. */
export function createFastVerifier(keys: KeySetCache<Map<string, VerifyKey>>, o: FastVerifierOptions) {
  return verifierOver(keys, o, verifyWithKeys);
}

/** As `createFastVerifier`, taking machine clients' tokens too: for the authorizer, whose routes decide which kind they take. */
export function createFastAnyVerifier(keys: KeySetCache<Map<string, VerifyKey>>, o: FastVerifierOptions) {
  return verifierOver(keys, o, verifyAnyWithKeys);
}

function verifierOver<C extends VerifiedClaims>(
  keys: KeySetCache<Map<string, VerifyKey>>,
  o: FastVerifierOptions,
  verifyWith: (token: string, keys: ReadonlyMap<string, VerifyKey>, o: FastVerifierOptions) => C,
) {
  return {
    /**
     * The key set verification uses now, while it is fresh: a cache of verified tokens keeps an
     * entry only while this stays the same, so a key revoked from the set stops its tokens.
     */
    keySet: (): unknown => keys.peek(),
    /**
     * The hot path: verifies without a promise when the keys are fresh and hold the token's
     * kid; undefined when a fetch is needed (then call `verify`).
     */
    verifySync(token: string): C | undefined {
      const known = keys.peek();
      if (!known) return undefined;
      try {
        return verifyWith(token, known, o);
      } catch (err) {
        if (err instanceof TokenError && err.code === 'ERR_JWT_KID_UNKNOWN') return undefined;
        throw err;
      }
    },
    async verify(token: string): Promise<C> {
      const known = keys.peek() ?? (await keys.get());
      try {
        return verifyWith(token, known, o);
      } catch (err) {
        // A kid we do not know may be a key a rotation just published: one (rate-limited) refetch.
        const kid = err instanceof TokenError && err.code === 'ERR_JWT_KID_UNKNOWN' ? kidOf(token) : undefined;
        if (kid === undefined) throw err;
        const refreshed = await keys.getFor(kid);
        if (refreshed === known) throw err;
        return verifyWith(token, refreshed, o);
      }
    },
  };
}

function kidOf(token: string): string | undefined {
  const dot = typeof token === 'string' ? token.indexOf('.') : -1;
  const kid = dot > 0 ? parseObject(decodeSegment(token.slice(0, dot)))?.kid : undefined;
  return typeof kid === 'string' ? kid : undefined;
}
