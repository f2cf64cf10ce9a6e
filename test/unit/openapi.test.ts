import { openApiDocument, routeDoc } from '../../functions/lib/contract/openapi';
import { ROUTES } from '../../functions/lib/contract/routes';
import { REQUEST_BODIES } from '../../functions/lib/contract/schemas';

describe('the OpenAPI document', () => {
  const doc = openApiDocument('https://api.example.com') as {
    openapi: string;
    paths: Record<string, Record<string, { security?: unknown; requestBody?: unknown }>>;
  };

  it('is OpenAPI 3.1 and documents every route of the route table', () => {
    expect(doc.openapi).toBe('3.1.0');
    for (const route of ROUTES) {
      expect(routeDoc(route.method, route.path)).toBeDefined();
      expect(doc.paths[route.path]?.[route.method.toLowerCase()]).toBeDefined();
    }
  });

  it('marks exactly the protected routes with the bearer scheme', () => {
    for (const route of ROUTES) {
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
