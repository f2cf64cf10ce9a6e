import { JwtVerifier } from 'aws-jwt-verify';
import { SimpleJwksCache } from 'aws-jwt-verify/jwk';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { call, startLocalRuntime, type LocalRuntime } from '../helpers/local-runtime';

/** Verifiers we did not write, pointed at the running service's discovery document, accept our tokens. */
let rt: LocalRuntime;
let token: string;
let discovery: { issuer: string; jwks_uri: string };
const AUDIENCE = () => `${rt.baseUrl}/api`;
const tamper = (t: string) => {
  const [h, p, s] = t.split('.') as [string, string, string];
  const claims = JSON.parse(Buffer.from(p, 'base64url').toString()) as Record<string, unknown>;
  return `${h}.${Buffer.from(JSON.stringify({ ...claims, roles: ['admin'] })).toString('base64url')}.${s}`;
};

beforeAll(async () => {
  rt = await startLocalRuntime({ args: ['--in-memory'] });
  await call(rt.baseUrl, 'POST', '/api/auth/register', { body: { username: 'interop', password: 'an interop passphrase' } });
  token = (await call(rt.baseUrl, 'POST', '/api/auth/login', { body: { username: 'interop', password: 'an interop passphrase' } })).body
    .access_token as string;
  discovery = (await call(rt.baseUrl, 'GET', '/.well-known/openid-configuration')).body as typeof discovery;
});
afterAll(() => rt?.stop());

describe('GET /.well-known/openid-configuration', () => {
  it('names our issuer and where our keys are', async () => {
    expect(discovery).toMatchObject({ issuer: rt.baseUrl, jwks_uri: `${rt.baseUrl}/.well-known/jwks.json` });
    const jwks = await call(rt.baseUrl, 'GET', new URL(discovery.jwks_uri).pathname);
    expect((jwks.body.keys as unknown[]).length).toBeGreaterThan(0);
  });
});

describe("jose's createRemoteJWKSet", () => {
  it('accepts our access token and rejects a tampered one', async () => {
    const jwks = createRemoteJWKSet(new URL(discovery.jwks_uri));
    const options = { issuer: discovery.issuer, audience: AUDIENCE(), typ: 'at+jwt', algorithms: ['RS256'] };
    await expect(jwtVerify(token, jwks, options)).resolves.toMatchObject({ payload: { username: 'interop' } });
    await expect(jwtVerify(tamper(token), jwks, options)).rejects.toThrow(/signature verification failed/);
  });
});

describe("aws-jwt-verify's JwtVerifier", () => {
  it('accepts our access token and rejects a tampered one', async () => {
    // aws-jwt-verify fetches over HTTPS only; locally the JWKS is plain HTTP, so its cache gets a
    // fetcher that speaks HTTP. The URI, issuer and audience are the service's own.
    const jwksCache = new SimpleJwksCache({ fetcher: { fetch: async (uri: string) => (await fetch(uri)).arrayBuffer() } });
    const verifier = JwtVerifier.create({ issuer: discovery.issuer, audience: AUDIENCE(), jwksUri: discovery.jwks_uri }, { jwksCache });
    await expect(verifier.verify(token)).resolves.toMatchObject({ username: 'interop' });
    await expect(verifier.verify(tamper(token))).rejects.toThrow(/signature/i);
  });
});
