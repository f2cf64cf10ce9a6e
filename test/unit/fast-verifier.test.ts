import { createHmac, createPrivateKey, sign as cryptoSign } from 'node:crypto';
import fc from 'fast-check';
import type { JWK } from 'jose';
import { createAccessTokens, type AccessTokens } from '../../functions/lib/tokens/access-tokens';
import { TokenError } from '../../functions/lib/domain/errors';
import { importVerifyKeys, verifyWithKeys, type VerifyKey } from '../../functions/lib/tokens/sync-verifier';
import { JwkSetKeySource, toPublicJwks } from '../../functions/lib/tokens/key-source';
import { generateSigningKey } from '../../functions/lib/tokens/secrets';
import { manualClock } from '../helpers/harness';

const ISSUER = 'https://auth.test.example';
const AUDIENCE = 'https://api.test.example';
const clock = manualClock();
const now = () => Math.floor(clock() / 1000);
const options = { issuer: ISSUER, audience: AUDIENCE, clockToleranceSeconds: 30, now: clock };

let rsa: JWK;
let ec: JWK;
let other: JWK;
let jose: AccessTokens;
let keys: Map<string, VerifyKey>;

const b64 = (v: unknown) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64url');

/** Signs any header and payload with a private JWK, as an issuer (or a buggy one) would. */
function signRaw(header: unknown, payload: unknown, jwk: JWK): string {
  const input = `${b64(header)}.${b64(payload)}`;
  const key = createPrivateKey({ key: jwk as never, format: 'jwk' });
  const sig =
    jwk.kty === 'EC'
      ? cryptoSign('sha256', Buffer.from(input), { key, dsaEncoding: 'ieee-p1363' })
      : cryptoSign('sha256', Buffer.from(input), key);
  return `${input}.${sig.toString('base64url')}`;
}

const goodClaims = () => ({
  iss: ISSUER,
  aud: AUDIENCE,
  sub: 'u',
  username: 'alice',
  roles: ['user'],
  sid: 's',
  jti: 'j',
  iat: now(),
  exp: now() + 900,
});
const goodHeader = () => ({ alg: 'RS256', kid: rsa.kid, typ: 'at+jwt' });

/** What a verifier says of a token: the claims, or the error code. */
async function outcome(run: () => Promise<unknown> | unknown): Promise<unknown> {
  try {
    return { ok: await run() };
  } catch (err) {
    if (err instanceof TokenError) return { code: err.code };
    throw err;
  }
}

async function agree(token: string) {
  const reference = await outcome(() => jose.verify(token));
  const fast = await outcome(() => verifyWithKeys(token, keys, options));
  expect({ token, fast }).toEqual({ token, fast: reference });
}

beforeAll(async () => {
  [rsa, ec, other] = await Promise.all([generateSigningKey('RS256'), generateSigningKey('ES256'), generateSigningKey('RS256')]);
  const jwks = toPublicJwks({ keys: [rsa, ec] });
  jose = createAccessTokens({ keys: new JwkSetKeySource({ jwks }), accessTokenTtlSeconds: 900, ...options });
  keys = importVerifyKeys(jwks);
});

describe('the synchronous verifier agrees with the jose verifier', () => {
  it('on the attack corpus', async () => {
    const hmacConfusion = (() => {
      const input = `${b64({ alg: 'HS256', kid: rsa.kid, typ: 'at+jwt' })}.${b64(goodClaims())}`;
      return `${input}.${createHmac('sha256', JSON.stringify(toPublicJwks({ keys: [rsa] }).keys[0]))
        .update(input)
        .digest('base64url')}`;
    })();
    const valid = signRaw(goodHeader(), goodClaims(), rsa);
    const corpus = [
      valid,
      signRaw({ alg: 'ES256', kid: ec.kid, typ: 'at+jwt' }, goodClaims(), ec),
      signRaw({ ...goodHeader(), typ: 'application/at+jwt' }, goodClaims(), rsa),
      signRaw({ ...goodHeader(), typ: 'AT+JWT' }, goodClaims(), rsa),
      signRaw(goodHeader(), { ...goodClaims(), aud: ['x', AUDIENCE] }, rsa),
      `${b64({ alg: 'none', typ: 'at+jwt', kid: rsa.kid })}.${b64(goodClaims())}.`,
      hmacConfusion,
      signRaw({ ...goodHeader(), kid: 'unknown' }, goodClaims(), other),
      signRaw({ alg: 'RS256', typ: 'at+jwt' }, goodClaims(), rsa),
      signRaw({ ...goodHeader(), alg: 'ES256' }, goodClaims(), ec),
      signRaw(goodHeader(), goodClaims(), other),
      signRaw({ ...goodHeader(), typ: 'JWT' }, goodClaims(), rsa),
      signRaw({ alg: 'RS256', kid: rsa.kid }, goodClaims(), rsa),
      signRaw(goodHeader(), { ...goodClaims(), iss: 'https://evil.example' }, rsa),
      signRaw(goodHeader(), { ...goodClaims(), aud: 'https://other.example' }, rsa),
      signRaw(goodHeader(), { ...goodClaims(), exp: now() - 31 }, rsa),
      signRaw(goodHeader(), { ...goodClaims(), exp: now() - 29 }, rsa),
      signRaw(goodHeader(), { ...goodClaims(), exp: undefined }, rsa),
      signRaw(goodHeader(), { ...goodClaims(), exp: 'tomorrow' }, rsa),
      signRaw(goodHeader(), { ...goodClaims(), iat: 'now' }, rsa),
      signRaw(goodHeader(), { ...goodClaims(), nbf: now() + 3600 }, rsa),
      signRaw(goodHeader(), { ...goodClaims(), nbf: now() + 10 }, rsa),
      signRaw(goodHeader(), { ...goodClaims(), sid: undefined }, rsa),
      signRaw(goodHeader(), { ...goodClaims(), roles: 'admin' }, rsa),
      signRaw(goodHeader(), { ...goodClaims(), username: 42 }, rsa),
      signRaw({ ...goodHeader(), crit: ['exp'], exp: 1 }, goodClaims(), rsa),
      signRaw(goodHeader(), [1, 2, 3], rsa),
      signRaw(goodHeader(), 'not json', rsa),
      `${b64(goodHeader())}.${b64(goodClaims())}.${valid.split('.')[2]}`,
      valid.slice(0, valid.lastIndexOf('.')),
      valid.slice(0, -10),
      `${valid}.extra`,
      valid.replace(/\./, '.!'),
      '',
      'not.a.jwt',
      '..',
      'a.b.c',
      `${b64('[]')}.${b64(goodClaims())}.AAAA`,
    ];
    for (const token of corpus) await agree(token);
  });

  it('on tokens generated by fast-check: any header and payload, signed or not', async () => {
    const value = fc.oneof(
      fc.string({ maxLength: 12 }),
      fc.integer(),
      fc.double({ noNaN: true }),
      fc.boolean(),
      fc.constant(null),
      fc.array(fc.string({ maxLength: 5 }), { maxLength: 3 }),
    );
    const header = fc.record(
      {
        alg: fc.oneof(fc.constantFrom('RS256', 'ES256', 'HS256', 'none', 'PS256'), value),
        kid: fc.oneof(fc.constantFrom(rsa.kid, ec.kid, 'nope'), value),
        typ: fc.oneof(fc.constantFrom('at+jwt', 'JWT', 'application/at+jwt'), value),
        crit: value,
      },
      { requiredKeys: [] },
    );
    const payload = fc.record(
      {
        iss: fc.oneof(fc.constant(ISSUER), value),
        aud: fc.oneof(fc.constant(AUDIENCE), fc.constant([AUDIENCE, 'x']), value),
        sub: fc.oneof(fc.constant('u'), value),
        username: fc.oneof(fc.constant('alice'), value),
        roles: fc.oneof(fc.constant(['user']), value),
        sid: fc.oneof(fc.constant('s'), value),
        jti: fc.oneof(fc.constant('j'), value),
        iat: fc.oneof(fc.integer({ min: now() - 2000, max: now() + 2000 }), value),
        exp: fc.oneof(fc.integer({ min: now() - 100, max: now() + 2000 }), value),
        nbf: fc.oneof(fc.integer({ min: now() - 100, max: now() + 100 }), value),
      },
      { requiredKeys: [] },
    );
    const signer = fc.constantFrom('rsa', 'ec', 'other', 'garbage');
    await fc.assert(
      fc.asyncProperty(header, payload, signer, async (hdr, pl, by) => {
        const token =
          by === 'garbage' ? `${b64(hdr)}.${b64(pl)}.c2lnbmF0dXJl` : signRaw(hdr, pl, by === 'rsa' ? rsa : by === 'ec' ? ec : other);
        await agree(token);
      }),
      { numRuns: 400, seed: 29112026 },
    );
  });

  it('on valid tokens with one character changed', async () => {
    const valid = signRaw(goodHeader(), goodClaims(), rsa);
    await fc.assert(
      fc.asyncProperty(fc.nat({ max: valid.length - 1 }), fc.constantFrom(...'AZaz09-_.=+/ '.split('')), async (at, ch) => {
        await agree(valid.slice(0, at) + ch + valid.slice(at + 1));
      }),
      { numRuns: 300, seed: 1 },
    );
  });
});
