import type { APIGatewayRequestAuthorizerEvent } from 'aws-lambda';
import fc from 'fast-check';
import { createHandler as createAuthorizer } from '../../functions/authorizer';
import type { AccessTokenClaims } from '../../functions/lib/tokens/access-tokens';
import { apiStageArn, buildPolicy } from '../../functions/lib/authz/policy';
import { isPermitted, type PolicyRoute } from '../../functions/lib/contract/routes';
import { evaluatePolicy } from '../../local/evaluate-policy';
import { recordingLogger } from '../helpers/harness';

const stage = 'arn:aws:execute-api:us-east-1:123456789012:abcdef123/prod';
const arn = (method: string, path: string) => `${stage}/${method}${path}`;

describe('authorizer policy', () => {
  it('finds the API and stage of a method ARN', () => {
    expect(apiStageArn(`${stage}/GET/api/me`)).toBe(stage);
    expect(apiStageArn('arn:aws:execute-api:us-east-1:123456789012:abcdef123')).toBeUndefined();
    expect(apiStageArn('garbage')).toBeUndefined();
  });

  it('names one route: its method, and its path with parameters as wildcards', () => {
    expect(buildPolicy(stage, 'DELETE', '/api/auth/sessions/{sid}', true)).toEqual({
      Version: '2012-10-17',
      Statement: [{ Action: 'execute-api:Invoke', Effect: 'Allow', Resource: [`${stage}/DELETE/api/auth/sessions/*`] }],
    });
    expect(buildPolicy(stage, 'GET', '/api/admin/ping', false).Statement[0]).toMatchObject({ Effect: 'Deny' });
  });
});

/**
 * The model of API Gateway that the property below checks against:
 * - routing: a request path goes to the resource that matches it segment by segment, literal
 *   segments before `{parameters}` (then the method must exist there, or API Gateway answers
 *   itself and never calls the authorizer);
 * - the authorizer cache: keyed by the token, the method and the resource path, so an answer is
 *   reused only for requests to the same route, with any parameter values.
 */
const LITERALS = ['api', 'admin', 'a', 'store'];
const VALUES = ['1', 'a', 'admin', 'api', 'zz', 'store'];
const ROLES = ['user', 'admin', 'ops'];
const isParam = (s: string) => s.startsWith('{');
const segmentsOf = (path: string) => path.split('/').slice(1);

/** The resource API Gateway routes a concrete path to, among `paths`. */
function resourceFor(paths: readonly string[], concrete: string): string | undefined {
  const want = segmentsOf(concrete);
  const rank = (path: string) => segmentsOf(path).map((s) => (isParam(s) ? 1 : 0));
  const candidates = paths.filter((p) => {
    const segs = segmentsOf(p);
    return segs.length === want.length && segs.every((s, i) => isParam(s) || s === want[i]);
  });
  candidates.sort((x, y) => {
    const [a, b] = [rank(x), rank(y)];
    for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return (a[i] as number) - (b[i] as number);
    return 0;
  });
  return candidates[0];
}

const instantiate = (path: string, values: readonly string[]) =>
  `/${segmentsOf(path)
    .map((s, i) => (isParam(s) ? (values[i % values.length] as string) : s))
    .join('/')}`;

const route = fc.record({
  method: fc.constantFrom('GET', 'POST', 'DELETE'),
  // Parameters are named by position: API Gateway allows one parameter name per level.
  segments: fc.array(fc.oneof(fc.constantFrom(...LITERALS), fc.constant('{}')), { minLength: 1, maxLength: 4 }),
  access: fc.oneof(
    fc.constant('public' as const),
    fc.subarray(ROLES).map((roles) => ({ roles })),
  ),
});
const table = fc.uniqueArray(route, { minLength: 1, maxLength: 12, selector: (r) => `${r.method} ${r.segments.join('/')}` }).map((rs) =>
  rs.map(
    (r): PolicyRoute => ({
      method: r.method,
      path: `/${r.segments.map((s, i) => (s === '{}' ? `{p${i}}` : s)).join('/')}`,
      access: r.access,
    }),
  ),
);
const values = fc.array(fc.constantFrom(...VALUES), { minLength: 4, maxLength: 4 });

function authorizerFor(
  routes: readonly PolicyRoute[] | (() => Promise<readonly PolicyRoute[]>),
  roles: string[],
  countFailure?: () => void,
) {
  const claims = {
    iss: 'i',
    aud: 'a',
    sub: 'u',
    username: 'x',
    roles,
    sid: 's',
    jti: 'j',
    iat: 1,
    exp: 4_000_000_000,
  } as AccessTokenClaims;
  return createAuthorizer({
    accessTokens: { verify: async () => claims },
    routes,
    // Roles alone: the second-factor rules have their own tests.
    mfaRequiredRoles: [],
    logger: recordingLogger(),
    now: () => 1_000_000,
    countFailure,
  });
}
const event = (method: string, resource: string, path: string) =>
  ({
    type: 'REQUEST',
    methodArn: arn(method, path),
    httpMethod: method,
    resource,
    path,
    headers: { Authorization: 'Bearer a.b.c' },
  }) as unknown as APIGatewayRequestAuthorizerEvent;

describe("the authorizer's policy under API Gateway's routing and cache (property)", () => {
  it('gives exactly isPermitted for every request to every route, whichever request filled the cache', async () => {
    await fc.assert(
      fc.asyncProperty(table, fc.subarray(ROLES), values, values, async (routes, roles, first, second) => {
        const authorize = authorizerFor(routes, roles);
        const paths = [...new Set(routes.map((r) => r.path))];
        for (const r of routes) {
          if (r.access === 'public') continue;
          const [p1, p2] = [instantiate(r.path, first), instantiate(r.path, second)];
          // Only requests that API Gateway routes to this route reach its cache entry.
          if (resourceFor(paths, p1) !== r.path || resourceFor(paths, p2) !== r.path) continue;
          const cached = await authorize(event(r.method, r.path, p1));
          const expected = isPermitted(r, roles) ? 'allow' : 'deny';
          expect(evaluatePolicy(cached.policyDocument, arn(r.method, p1))).toBe(expected);
          expect(evaluatePolicy(cached.policyDocument, arn(r.method, p2))).toBe(expected);
        }
      }),
      { numRuns: 400, seed: 20261129 },
    );
  });

  it('denies every request to a route that is not in the table, with any parameter values', async () => {
    const outside = fc.record({
      method: fc.constantFrom('GET', 'POST', 'DELETE', 'PUT', 'PATCH'),
      segments: fc.array(fc.oneof(fc.constantFrom(...LITERALS), fc.constant('{}')), { minLength: 1, maxLength: 5 }),
    });
    await fc.assert(
      fc.asyncProperty(table, fc.subarray(ROLES), outside, values, values, async (routes, roles, o, first, second) => {
        const resource = `/${o.segments.map((s, i) => (s === '{}' ? `{p${i}}` : s)).join('/')}`;
        fc.pre(!routes.some((r) => r.method === o.method && r.path === resource));
        const authorize = authorizerFor(routes, roles);
        const result = await authorize(event(o.method, resource, instantiate(resource, first)));
        expect(evaluatePolicy(result.policyDocument, arn(o.method, instantiate(resource, first)))).toBe('deny');
        expect(evaluatePolicy(result.policyDocument, arn(o.method, instantiate(resource, second)))).toBe('deny');
      }),
      { numRuns: 400, seed: 20261129 },
    );
  });

  it("keeps the review's store-service layout exact: a plain user reaches no admin-only route", async () => {
    const routes: PolicyRoute[] = [
      { method: 'GET', path: '/store/v1/cart', access: { roles: [] } },
      { method: 'GET', path: '/store/v1/orders', access: { roles: [] } },
      { method: 'POST', path: '/tenants/{tenantId}/store/v1/refunds', access: { roles: ['admin'] } },
      { method: 'POST', path: '/tenants/{tenantId}/store/v1/payouts', access: { roles: ['admin'] } },
    ];
    const authorize = authorizerFor(routes, ['user']);
    for (const r of routes) {
      const path = r.path.replace('{tenantId}', '42');
      const result = await authorize(event(r.method, r.path, path));
      expect([r.path, evaluatePolicy(result.policyDocument, arn(r.method, path))]).toEqual([
        r.path,
        isPermitted(r, ['user']) ? 'allow' : 'deny',
      ]);
    }
  });

  it('reads a route list given as a loader on the first call that needs it, once; a failed read fails that call, alarmed, and the next reads again', async () => {
    // Prepare: a loader that fails once, then answers.
    let reads = 0;
    let failures = 0;
    const loader = async (): Promise<PolicyRoute[]> => {
      reads += 1;
      if (reads === 1) throw new Error('the extension answered 500');
      return [{ method: 'GET', path: '/orders', access: { roles: [] } }];
    };
    const authorize = authorizerFor(loader, ['user'], () => {
      failures += 1;
    });
    expect(reads).toBe(0); // nothing read while the container starts

    // Act and assess
    await expect(authorize(event('GET', '/orders', '/orders'))).rejects.toThrow('the extension answered 500');
    expect(failures).toBe(1);
    const allowed = await authorize(event('GET', '/orders', '/orders'));
    expect(evaluatePolicy(allowed.policyDocument, arn('GET', '/orders'))).toBe('allow');
    const unknown = await authorize(event('GET', '/api/me', '/api/me'));
    expect(evaluatePolicy(unknown.policyDocument, arn('GET', '/api/me'))).toBe('deny');
    expect(reads).toBe(2);
  });
});
