/** Target 1: the authorizer, warm, against the crypto floor and an aws-jwt-verify reference. */
import { createPublicKey, verify as cryptoVerify } from 'node:crypto';
import type { APIGatewayAuthorizerResult, APIGatewayRequestAuthorizerEvent } from 'aws-lambda';
import { JwtVerifier } from 'aws-jwt-verify';
import { createAccessTokens } from '../functions/lib/tokens/access-tokens';
import { JwkSetKeySource, toPublicJwks } from '../functions/lib/tokens/key-source';
import { apiStageArn, buildPolicy } from '../functions/lib/authz/policy';
import { isPermitted, ROUTES } from '../functions/lib/contract/routes';
import type { AuthSecrets } from '../functions/lib/tokens/secrets';
import { interleaved, p50Us, size, table, us } from './lib';
import { buildBundle } from './bundle';
import { AUDIENCE, ISSUER } from './fixtures/deployed-authorizer';

export { AUDIENCE, deployedAuthorizer, ISSUER } from './fixtures/deployed-authorizer';
export const silent = { info: () => undefined, warn: () => undefined, error: () => undefined } as never;

export const authorizerEvent = (token: string) =>
  ({
    type: 'REQUEST',
    methodArn: 'arn:aws:execute-api:us-east-1:123456789012:abc123/prod/GET/api/me',
    resource: '/api/me',
    path: '/api/me',
    httpMethod: 'GET',
    headers: { Accept: '*/*', Authorization: `Bearer ${token}`, Host: 'abc123.execute-api.us-east-1.amazonaws.com', 'User-Agent': 'bench' },
    requestContext: { requestId: 'r', stage: 'prod' },
  }) as unknown as APIGatewayRequestAuthorizerEvent;

/** Signs `n` distinct tokens (each with its own jti and sid). */
export async function mintTokens(secrets: AuthSecrets, n: number): Promise<string[]> {
  const issuer = createAccessTokens({
    keys: new JwkSetKeySource({ jwks: secrets.signingKeys, signingKid: secrets.signingKid }),
    issuer: ISSUER,
    audience: AUDIENCE,
    accessTokenTtlSeconds: 900,
    clockToleranceSeconds: 30,
    now: Date.now,
  });
  const tokens: string[] = [];
  for (let i = 0; i < n; i++)
    tokens.push((await issuer.issue({ sub: `user-${i}`, username: `user${i}`, roles: ['user'], sid: `sid-${i}` })).accessToken);
  return tokens;
}

export async function benchAuthorizer(secrets: AuthSecrets, alg: 'RS256' | 'ES256' = 'RS256'): Promise<void> {
  const N = size(1500, 150);
  const tokens = await mintTokens(secrets, 3 * 3 * N + 500);
  let next = 0;
  const fresh = () => tokens[next++ % tokens.length] as string;
  const publicJwks = toPublicJwks(secrets.signingKeys);

  // The floor: one raw RS256 signature check.
  const publicKey = createPublicKey({ key: publicJwks.keys[0] as never, format: 'jwk' });
  const keyArg = alg === 'ES256' ? { key: publicKey, dsaEncoding: 'ieee-p1363' as const } : publicKey;
  const floor = () => {
    const t = fresh();
    const dot = t.lastIndexOf('.');
    return cryptoVerify('sha256', Buffer.from(t.slice(0, dot)), keyArg, Buffer.from(t.slice(dot + 1), 'base64url'));
  };

  // Ours, as deployed: the synchronous verifier and the handler's caches, revocation check off,
  // bundled with the production settings (minified, as Lambda runs it).
  const bundle = buildBundle('bench/fixtures/deployed-authorizer.ts', 'deployed-authorizer', {
    'process.env.AUTH_REVOCATION_CHECK': '"false"',
  });
  const { deployedAuthorizer: asDeployed } = require(bundle.file) as typeof import('./fixtures/deployed-authorizer');
  const ours = asDeployed(publicJwks);
  const serialized = async (t: string) => JSON.stringify(await ours(authorizerEvent(t)));

  // The reference: an authorizer on aws-jwt-verify verifySync with cached keys, the same checks
  // (typ and required claims through customJwtCheck) and the same policy, built per request.
  const verifier = JwtVerifier.create({
    issuer: ISSUER,
    audience: AUDIENCE,
    jwksUri: 'https://auth.example.com/.well-known/jwks.json',
    graceSeconds: 30,
    customJwtCheck: ({ header, payload }) => {
      if (String(header.typ).toLowerCase() !== 'at+jwt') throw new Error('typ');
      for (const c of ['sub', 'jti', 'sid', 'iat']) if (!(c in payload)) throw new Error(c);
    },
  });
  verifier.cacheJwks(publicJwks as never);
  const reference = (event: APIGatewayRequestAuthorizerEvent): string => {
    const token = /^Bearer (.+)$/.exec(String(event.headers?.Authorization))?.[1] as string;
    const claims = verifier.verifySync(token) as unknown as { sub: string; username: string; roles: string[]; sid: string; exp: number };
    const route = ROUTES.find((r) => r.method === event.httpMethod && r.path === event.resource);
    const permitted = route !== undefined && isPermitted(route, claims.roles);
    const result: APIGatewayAuthorizerResult = {
      principalId: claims.sub,
      policyDocument: buildPolicy(apiStageArn(event.methodArn) as string, event.httpMethod, event.resource, permitted),
      context: { sub: claims.sub, username: claims.username, roles: claims.roles.join(','), sid: claims.sid, exp: claims.exp },
    };
    return JSON.stringify(result);
  };

  // What every verifier does besides the signature: split the token, decode and parse its
  // header and claims (target 3: where the time above the floor goes).
  // Its own walk over the tokens, so the verifier's unseen tokens stay unseen.
  let decoded = 0;
  const decode = () => {
    const [h, p] = (tokens[decoded++ % tokens.length] as string).split('.') as [string, string];
    return [JSON.parse(Buffer.from(h, 'base64url').toString()), JSON.parse(Buffer.from(p, 'base64url').toString())];
  };

  const seen = tokens[0] as string;
  await serialized(seen);
  const r = await interleaved(3, {
    floor: () => p50Us(floor, N),
    unseen: () => p50Us(() => serialized(fresh()), N),
    reference: () => p50Us(() => reference(authorizerEvent(fresh())), N),
    seen: () => p50Us(() => serialized(seen), N),
    referenceSeen: () => p50Us(() => reference(authorizerEvent(seen)), N),
    decode: () => p50Us(decode, N),
  });
  // The least any authorizer built this way pays: the signature, the decoding, and the work a
  // token seen before still costs (reading the event, the policy, its serialization).
  const least = r.floor + r.decode + r.seen;
  table(`1. Authorizer, warm (${alg}, REQUEST event to serialized policy, revocation check off)`, [
    { what: 'raw crypto.verify (the floor)', measured: us(r.floor) },
    {
      what: 'ours, unseen token',
      measured: us(r.unseen),
      reference: `floor ${us(r.floor)}`,
      ratio: r.unseen / r.floor,
      target: '<= x1.25 the floor',
      met: r.unseen / r.floor <= 1.25,
    },
    {
      what: 'ours, unseen token, vs aws-jwt-verify',
      measured: us(r.unseen),
      reference: `aws-jwt-verify ${us(r.reference)}`,
      ratio: r.unseen / r.reference,
      target: '< x1.00',
      met: r.unseen < r.reference,
    },
    {
      what: 'aws-jwt-verify reference vs the floor',
      measured: us(r.reference),
      reference: `floor ${us(r.floor)}`,
      ratio: r.reference / r.floor,
    },
    {
      what: 'ours, token seen before',
      measured: us(r.seen),
      reference: `aws-jwt-verify ${us(r.referenceSeen)}`,
      ratio: r.seen / r.referenceSeen,
      target: '<= x0.10 (10x faster)',
      met: r.referenceSeen / r.seen >= 10,
    },
    { what: '  above the floor, unseen', measured: us(r.unseen - r.floor), reference: `x1.25 allows ${us(0.25 * r.floor)}` },
    { what: '  of it: decode header and claims', measured: us(r.decode) },
    { what: '  of it: event, policy, serialization', measured: us(r.seen), reference: 'the seen-token path' },
    {
      what: '  floor + decode + seen path',
      measured: us(least),
      reference: `floor ${us(r.floor)}`,
      ratio: least / r.floor,
    },
  ]);
}
