import { createHmac, createPublicKey } from 'node:crypto';
import { SignJWT, decodeProtectedHeader, importJWK, jwtVerify, type CryptoKey, type JWK } from 'jose';
import { createAccessTokens, type AccessTokens } from '../../functions/lib/tokens/access-tokens';
import { TokenError } from '../../functions/lib/domain/errors';
import { JwkSetKeySource, toPublicJwks } from '../../functions/lib/tokens/key-source';
import { generateSigningKey } from '../../functions/lib/tokens/secrets';
import { manualClock } from '../helpers/harness';

const ISSUER = 'https://auth.test.example';
const AUDIENCE = 'https://api.test.example';
const subject = { sub: 'user-1', username: 'alice', roles: ['user'], sid: 'session-1' };

let signingJwk: JWK;
let signingKey: CryptoKey;
let otherJwk: JWK;
const clock = manualClock();
let tokens: AccessTokens;

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** Signs arbitrary claims with arbitrary header fields, as an attacker or a buggy issuer might. */
async function sign(claims: Record<string, unknown>, header: Record<string, unknown> = {}, key: CryptoKey = signingKey) {
  const iat = Math.floor(clock() / 1000);
  return new SignJWT({
    iss: ISSUER,
    aud: AUDIENCE,
    sub: 'user-1',
    username: 'alice',
    roles: [],
    sid: 's',
    jti: 'j',
    iat,
    exp: iat + 900,
    ...claims,
  })
    .setProtectedHeader({ alg: 'RS256', kid: signingJwk.kid as string, typ: 'at+jwt', ...header })
    .sign(key);
}

async function rejection(token: string): Promise<string> {
  const err = await tokens.verify(token).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(TokenError);
  return (err as TokenError).code;
}

beforeAll(async () => {
  signingJwk = await generateSigningKey('RS256');
  otherJwk = await generateSigningKey('RS256');
  signingKey = (await importJWK(signingJwk, 'RS256')) as CryptoKey;
  const keys = new JwkSetKeySource({ jwks: { keys: [signingJwk] } });
  tokens = createAccessTokens({
    keys,
    issuer: ISSUER,
    audience: AUDIENCE,
    accessTokenTtlSeconds: 900,
    clockToleranceSeconds: 30,
    now: clock,
  });
});

describe('issuing', () => {
  it('signs an RS256 at+jwt with the kid, the pinned claims and nothing else', async () => {
    const { accessToken, expiresIn, claims } = await tokens.issue(subject);

    expect(decodeProtectedHeader(accessToken)).toEqual({ alg: 'RS256', kid: signingJwk.kid, typ: 'at+jwt' });
    expect(Object.keys(claims).sort()).toEqual(['aud', 'exp', 'iat', 'iss', 'jti', 'roles', 'sid', 'sub', 'username']);
    expect(claims).toMatchObject({ iss: ISSUER, aud: AUDIENCE, sub: 'user-1', sid: 'session-1', roles: ['user'] });
    expect(claims.iat).toBe(Math.floor(clock() / 1000));
    expect(expiresIn).toBe(900);
    expect(claims.exp - claims.iat).toBe(expiresIn);
  });

  it('gives every token its own jti', async () => {
    const a = await tokens.issue(subject);
    const b = await tokens.issue(subject);
    expect(a.claims.jti).not.toBe(b.claims.jti);
  });

  it('verifies what it issued', async () => {
    const { accessToken, claims } = await tokens.issue(subject);
    await expect(tokens.verify(accessToken)).resolves.toEqual(claims);
  });
});

describe('verification rejects', () => {
  it('a token whose alg is none', async () => {
    const token = `${b64({ alg: 'none', typ: 'at+jwt', kid: signingJwk.kid })}.${b64({ iss: ISSUER, aud: AUDIENCE, sub: 'x', exp: 9e9 })}.`;
    expect(await rejection(token)).toBe('ERR_JWT_ALG_NOT_ALLOWED');
  });

  it('an HS256 token signed with the public key bytes (key confusion)', async () => {
    const pem = createPublicKey({ key: toPublicJwks({ keys: [signingJwk] }).keys[0] as JWK & { kty: 'RSA' }, format: 'jwk' }).export({
      type: 'spki',
      format: 'pem',
    });
    const iat = Math.floor(clock() / 1000);
    const input = `${b64({ alg: 'HS256', typ: 'at+jwt', kid: signingJwk.kid })}.${b64({ iss: ISSUER, aud: AUDIENCE, sub: 'x', sid: 's', jti: 'j', iat, exp: iat + 900, roles: ['admin'], username: 'x' })}`;
    const token = `${input}.${createHmac('sha256', pem).update(input).digest('base64url')}`;
    expect(await rejection(token)).toBe('ERR_JWT_ALG_NOT_ALLOWED');
  });

  it('a token signed with an ES256 key under our RS256 kid', async () => {
    const es = await generateSigningKey('ES256');
    expect(await rejection(await sign({}, { alg: 'ES256' }, (await importJWK(es, 'ES256')) as CryptoKey))).toBe('ERR_JWT_ALG_NOT_ALLOWED');
  });

  it('a token with an unknown kid', async () => {
    const attackerKey = (await importJWK(otherJwk, 'RS256')) as CryptoKey;
    expect(await rejection(await sign({}, { kid: 'not-ours' }, attackerKey))).toBe('ERR_JWT_KID_UNKNOWN');
  });

  it('a token with no kid', async () => {
    expect(await rejection(await sign({}, { kid: undefined }))).toBe('ERR_JWT_KID_UNKNOWN');
  });

  it('a token that carries its own key in the header (jwk), signed by that key', async () => {
    const attackerKey = (await importJWK(otherJwk, 'RS256')) as CryptoKey;
    const token = await sign({}, { jwk: toPublicJwks({ keys: [otherJwk] }).keys[0] }, attackerKey);
    expect(await rejection(token)).toBe('ERR_JWT_SIGNATURE_INVALID');
  });

  it('a token signed by another key under our kid', async () => {
    expect(await rejection(await sign({}, {}, (await importJWK(otherJwk, 'RS256')) as CryptoKey))).toBe('ERR_JWT_SIGNATURE_INVALID');
  });

  it('a token whose typ is not at+jwt', async () => {
    expect(await rejection(await sign({}, { typ: 'JWT' }))).toBe('ERR_JWT_TYP_INVALID');
  });

  it('a token with no typ', async () => {
    expect(await rejection(await sign({}, { typ: undefined }))).toBe('ERR_JWT_TYP_INVALID');
  });

  it('a token from another issuer', async () => {
    expect(await rejection(await sign({ iss: 'https://evil.example' }))).toBe('ERR_JWT_ISSUER_INVALID');
  });

  it('a token for another audience', async () => {
    expect(await rejection(await sign({ aud: 'https://other-api.example' }))).toBe('ERR_JWT_AUDIENCE_INVALID');
  });

  it('an expired token, once the clock tolerance has passed', async () => {
    const { accessToken } = await tokens.issue(subject);
    clock.advance(900 + 29);
    await expect(tokens.verify(accessToken)).resolves.toBeDefined();
    clock.advance(2);
    expect(await rejection(accessToken)).toBe('ERR_JWT_EXPIRED');
  });

  it('a token with no exp', async () => {
    expect(await rejection(await sign({ exp: undefined }))).toBe('ERR_JWT_CLAIM_MISSING');
  });

  it('a token with no sid', async () => {
    expect(await rejection(await sign({ sid: undefined }))).toBe('ERR_JWT_CLAIM_MISSING');
  });

  it('a token whose roles are not a list of strings', async () => {
    expect(await rejection(await sign({ roles: 'admin' }))).toBe('ERR_JWT_CLAIM_INVALID');
  });

  it('a token not valid before a later time', async () => {
    expect(await rejection(await sign({ nbf: Math.floor(clock() / 1000) + 3600 }))).toBe('ERR_JWT_NOT_YET_VALID');
  });

  it('a token carrying the signature of another token', async () => {
    const a = (await tokens.issue(subject)).accessToken.split('.');
    const b = (await tokens.issue({ ...subject, roles: ['admin'] })).accessToken.split('.');
    expect(await rejection(`${b[0]}.${b[1]}.${a[2]}`)).toBe('ERR_JWT_SIGNATURE_INVALID');
  });

  it('a truncated token', async () => {
    const { accessToken } = await tokens.issue(subject);
    expect(await rejection(accessToken.slice(0, accessToken.lastIndexOf('.')))).toBe('ERR_JWT_MALFORMED');
    expect(await rejection(accessToken.slice(0, -10))).toBe('ERR_JWT_SIGNATURE_INVALID');
  });

  it('an empty string', async () => {
    expect(await rejection('')).toBe('ERR_JWT_MISSING');
  });

  it('garbage', async () => {
    expect(await rejection('not.a.jwt')).toBe('ERR_JWT_MALFORMED');
  });
});

describe('key rotation', () => {
  it('verifies tokens of every key in the set while only the chosen key signs', async () => {
    const oldKeys = new JwkSetKeySource({ jwks: { keys: [signingJwk] } });
    const rotated = new JwkSetKeySource({ jwks: { keys: [signingJwk, otherJwk] }, signingKid: otherJwk.kid as string });
    const options = { issuer: ISSUER, audience: AUDIENCE, accessTokenTtlSeconds: 900, clockToleranceSeconds: 30, now: clock };
    const before = await createAccessTokens({ ...options, keys: oldKeys }).issue(subject);
    const after = createAccessTokens({ ...options, keys: rotated });

    const issued = await after.issue(subject);

    expect(decodeProtectedHeader(issued.accessToken).kid).toBe(otherJwk.kid);
    await expect(after.verify(before.accessToken)).resolves.toBeDefined();
    await expect(after.verify(issued.accessToken)).resolves.toBeDefined();
  });

  it('refuses to build a set with a key whose alg is HMAC', () => {
    expect(() => new JwkSetKeySource({ jwks: { keys: [{ kty: 'oct', k: 'c2VjcmV0', kid: 'h', alg: 'HS256' }] } })).toThrow(/HS256/);
  });
});

describe('the signature of an issued token', () => {
  it.each(['RS256', 'ES256'] as const)('(%s) verifies with jose against the published key alone', async (alg) => {
    const jwk = await generateSigningKey(alg);
    const issuer = createAccessTokens({
      keys: new JwkSetKeySource({ jwks: { keys: [jwk] }, signingKid: jwk.kid as string }),
      issuer: ISSUER,
      audience: AUDIENCE,
      accessTokenTtlSeconds: 900,
      clockToleranceSeconds: 30,
      now: clock,
    });
    const { accessToken } = await issuer.issue(subject);
    expect(decodeProtectedHeader(accessToken)).toEqual({ alg, kid: jwk.kid, typ: 'at+jwt' });
    const published = createPublicKey({ key: toPublicJwks({ keys: [jwk] }).keys[0] as never, format: 'jwk' });
    const { payload } = await jwtVerify(accessToken, published, { algorithms: [alg], typ: 'at+jwt', currentDate: new Date(clock()) });
    expect(payload).toMatchObject({ ...subject, iss: ISSUER, aud: AUDIENCE });
  });
});

describe('toPublicJwks', () => {
  it('never emits private members', async () => {
    const ec = await generateSigningKey('ES256');
    const { keys } = toPublicJwks({ keys: [signingJwk, ec] });
    expect(keys.map((k) => Object.keys(k).sort())).toEqual([
      ['alg', 'e', 'kid', 'kty', 'n', 'use'],
      ['alg', 'crv', 'kid', 'kty', 'use', 'x', 'y'],
    ]);
    expect(JSON.stringify(keys)).not.toContain(String(signingJwk.d));
  });
});
