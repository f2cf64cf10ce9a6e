import { deflateRawSync } from 'node:zlib';
import { decodeRouteList, encodeRouteList, ROUTE_LIST_MAX_CHARS } from '../../functions/lib/contract/route-list';
import type { PolicyRoute } from '../../functions/lib/contract/routes';

const encodeJson = (value: unknown) => deflateRawSync(JSON.stringify(value)).toString('base64');

describe('the route list an authorizer reads from SSM', () => {
  it('decodes what it encodes, roles and path parameters kept', () => {
    const routes: PolicyRoute[] = [
      { method: 'GET', path: '/orders', access: { roles: [] } },
      { method: 'DELETE', path: '/orders/{id}', access: { roles: ['admin', 'orders:write'] } },
      { method: 'POST', path: '/orders', access: { scopes: ['orders:write'] } },
      { method: 'PUT', path: '/orders/{id}', access: { roles: ['admin'], scopes: ['orders:write', 'orders:admin'] } },
      { method: 'POST', path: '/payments', access: { roles: [], mfa: true, maxAge: 300 } },
      { method: 'POST', path: '/api/auth/mfa/totp', access: { roles: [] }, enrolment: true },
    ];
    expect(decodeRouteList(encodeRouteList(routes))).toEqual(routes);
  });

  it('keeps a list that fits as plain JSON (no zlib to load on the first call), and deflates one that does not', () => {
    const few: PolicyRoute[] = [{ method: 'GET', path: '/orders', access: { roles: [] } }];
    expect(encodeRouteList(few)).toBe('[{"method":"GET","path":"/orders","roles":[]}]');
    const many: PolicyRoute[] = Array.from({ length: 100 }, (_, i) => ({
      method: 'GET',
      path: `/orders/${i}/{id}`,
      access: { roles: ['clerk'] },
    }));
    const encoded = encodeRouteList(many);
    expect(encoded.startsWith('[')).toBe(false);
    expect(decodeRouteList(encoded)).toEqual(many);
  });

  it('holds 200 routes of a typical API in a fraction of a standard parameter', () => {
    const routes: PolicyRoute[] = Array.from({ length: 200 }, (_, i) => ({
      method: (['GET', 'POST', 'PUT', 'DELETE'] as const)[i % 4] as PolicyRoute['method'],
      path: `/orders/v1/customers/{customerId}/orders${i}/{orderId}`,
      access: { roles: i % 3 ? ['orders:read'] : ['orders:write', 'admin'] },
    }));
    const chars = encodeRouteList(routes).length;
    expect(chars).toBeLessThan(ROUTE_LIST_MAX_CHARS / 2);
  });

  it('refuses a malformed list, naming the entry', () => {
    expect(() => decodeRouteList(encodeJson({ method: 'GET' }))).toThrow(/must be a JSON array/);
    expect(() => decodeRouteList(encodeJson([{ method: 'FETCH', path: '/x' }]))).toThrow(/route 0 has method FETCH/);
    expect(() =>
      decodeRouteList(
        encodeJson([
          { method: 'GET', path: '/a', roles: [] },
          { method: 'GET', path: 'x' },
        ]),
      ),
    ).toThrow(/route 1 needs a path/);
    expect(() => decodeRouteList(encodeJson([{ method: 'GET', path: '/a' }]))).toThrow(/route 0 names neither roles nor scopes/);
    expect(() => decodeRouteList(encodeJson([{ method: 'GET', path: '/a', scopes: [] }]))).toThrow(/route 0 has malformed scopes/);
    expect(() => decodeRouteList(encodeJson([{ method: 'GET', path: '/a', scopes: ['a b'] }]))).toThrow(/route 0 has malformed scopes/);
    expect(() => decodeRouteList(encodeJson([{ method: 'GET', path: '/a', roles: ['a b'] }]))).toThrow(/route 0 has malformed roles/);
    expect(() => decodeRouteList(encodeJson([{ method: 'GET', path: '/a', roles: [], mfa: 'yes' }]))).toThrow(
      /route 0 has a malformed mfa/,
    );
    expect(() => decodeRouteList(encodeJson([{ method: 'GET', path: '/a', roles: [], maxAge: -1 }]))).toThrow(
      /route 0 has a malformed maxAge/,
    );
    expect(() => decodeRouteList('not deflated')).toThrow();
  });
});
