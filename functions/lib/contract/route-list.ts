import { isRole } from './roles';
import { isScope } from './scopes';
import { HTTP_METHODS, type HttpMethod, type PolicyRoute } from './routes';

/**
 * The protected routes of one API, as the authorizer's policy reads them from an SSM parameter:
 * JSON `[{"method","path","roles"}]`, as it is when it fits the parameter, deflated and
 * base64-encoded when it does not. The CDK construct writes it at synth; the authorizer reads it
 * once per container. Not in the function's environment: Lambda's 4 KB for every variable would
 * hold about 35 routes, and the deflated parameter holds hundreds.
 */

/** node:zlib takes about 2 ms to load, and its first inflate 1 ms: only a list too large for plain JSON pays for them. */
const zlib = () => require('node:zlib') as typeof import('node:zlib');

/** An SSM standard parameter's value: at most 4 KB. */
export const ROUTE_LIST_MAX_CHARS = 4096;

export function encodeRouteList(routes: readonly PolicyRoute[]): string {
  const listed = routes.map((r) => ({
    method: r.method,
    path: r.path,
    ...(r.access === 'public'
      ? { roles: [] }
      : {
          ...(r.access.roles && { roles: r.access.roles }),
          ...(r.access.scopes && { scopes: r.access.scopes }),
          ...(r.access.mfa && { mfa: true }),
          ...(r.access.maxAge !== undefined && { maxAge: r.access.maxAge }),
        }),
    ...(r.enrolment && { enrolment: true }),
  }));
  const json = JSON.stringify(listed);
  return json.length <= ROUTE_LIST_MAX_CHARS ? json : zlib().deflateRawSync(json, { level: 9 }).toString('base64');
}

/** The routes of an encoded list; throws, naming the first bad entry, on anything malformed. */
export function decodeRouteList(text: string): PolicyRoute[] {
  // Base64 never starts with '[': plain JSON is told apart by its first character.
  const list: unknown = JSON.parse(text.startsWith('[') ? text : zlib().inflateRawSync(Buffer.from(text, 'base64')).toString('utf8'));
  if (!Array.isArray(list)) throw new Error('the route list must be a JSON array');
  return list.map(
    (
      item: { method?: unknown; path?: unknown; roles?: unknown; scopes?: unknown; mfa?: unknown; maxAge?: unknown; enrolment?: unknown },
      i,
    ) => {
      const method = item?.method;
      if (!(HTTP_METHODS as readonly unknown[]).includes(method)) throw new Error(`route ${i} has method ${String(method)}`);
      if (typeof item.path !== 'string' || !item.path.startsWith('/')) throw new Error(`route ${i} needs a path starting with /`);
      const { roles, scopes } = item;
      if (roles !== undefined && (!Array.isArray(roles) || !roles.every(isRole))) throw new Error(`route ${i} has malformed roles`);
      if (scopes !== undefined && (!Array.isArray(scopes) || scopes.length === 0 || !scopes.every(isScope))) {
        throw new Error(`route ${i} has malformed scopes`);
      }
      if (roles === undefined && scopes === undefined) throw new Error(`route ${i} names neither roles nor scopes`);
      const { mfa, maxAge, enrolment } = item;
      if (mfa !== undefined && mfa !== true) throw new Error(`route ${i} has a malformed mfa`);
      if (maxAge !== undefined && !(Number.isInteger(maxAge) && (maxAge as number) >= 0))
        throw new Error(`route ${i} has a malformed maxAge`);
      if (enrolment !== undefined && enrolment !== true) throw new Error(`route ${i} has a malformed enrolment`);
      return {
        method: method as HttpMethod,
        path: item.path,
        access: {
          ...(roles && { roles }),
          ...(scopes && { scopes }),
          ...(mfa === true && { mfa }),
          ...(maxAge !== undefined && { maxAge: maxAge as number }),
        },
        ...(enrolment === true && { enrolment }),
      };
    },
  );
}
