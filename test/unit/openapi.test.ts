import { openApiDocument, routeDoc } from '../../functions/lib/contract/openapi';
import { ROUTES } from '../../functions/lib/contract/routes';
import { REQUEST_BODIES } from '../../functions/lib/contract/schemas';

/** The routes that are API operations: all but the admin console's page and files. */
const API_ROUTES = ROUTES.filter((r) => r.handler !== 'console');

describe('the OpenAPI document', () => {
  const doc = openApiDocument('https://api.example.com') as {
    openapi: string;
    paths: Record<string, Record<string, { security?: unknown; requestBody?: unknown }>>;
  };

  it("is OpenAPI 3.1 and documents every route of the route table but the console's web page", () => {
    expect(doc.openapi).toBe('3.1.0');
    for (const route of API_ROUTES) {
      expect(routeDoc(route.method, route.path)).toBeDefined();
      expect(doc.paths[route.path]?.[route.method.toLowerCase()]).toBeDefined();
    }
    expect(Object.keys(doc.paths).filter((p) => p.startsWith('/admin'))).toEqual([]);
  });

  it('marks exactly the protected routes with the bearer scheme', () => {
    for (const route of API_ROUTES) {
      const op = doc.paths[route.path]?.[route.method.toLowerCase()];
      expect({ route: `${route.method} ${route.path}`, secured: op?.security !== undefined }).toEqual({
        route: `${route.method} ${route.path}`,
        secured: route.access !== 'public',
      });
    }
  });

  it('publishes the very schemas the handlers validate request bodies with', () => {
    const login = doc.paths['/api/auth/login']?.post?.requestBody as { content: { 'application/json': { schema: unknown } } };
    expect(login.content['application/json'].schema).toBe(REQUEST_BODIES.login);
  });
});
