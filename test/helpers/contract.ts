import Ajv2020 from 'ajv/dist/2020';
import { routeDoc } from '../../functions/lib/contract/openapi';
import { ROUTES } from '../../functions/lib/contract/routes';

/**
 * Checks answers against the OpenAPI document the runtime serves at /openapi.json: every route,
 * every status, every body. The end-to-end helpers call it on every response they receive.
 */
const validators = new Map<string, Promise<(method: string, path: string, status: number, body: unknown) => void>>();

export function contractFor(baseUrl: string) {
  let v = validators.get(baseUrl);
  if (!v) {
    v = (async () => {
      const doc = await (await fetch(`${baseUrl}/openapi.json`)).json();
      const ajv = new Ajv2020({ strict: false, validateFormats: false, allErrors: true });
      ajv.addSchema(doc as object, 'openapi');
      const compiled = new Map<string, ReturnType<typeof ajv.compile>>();
      const validatorOf = (name: string) => {
        let fn = compiled.get(name);
        if (!fn) {
          fn = ajv.compile({ $ref: `openapi#/components/schemas/${name}` });
          compiled.set(name, fn);
        }
        return fn;
      };
      const patterns = ROUTES.map((r) => ({ r, re: new RegExp(`^${r.path.replace(/\{[^}]+\}/g, '[^/]+')}$`) }));
      return (method: string, path: string, status: number, body: unknown) => {
        const route = patterns.find((p) => p.r.method === method && p.re.test(path))?.r;
        const doc = route && routeDoc(route.method, route.path);
        // Answers of the gateway itself (unknown route, wrong method, oversized body) are errors too.
        const expected = doc?.responses[status] !== undefined ? doc.responses[status] : status >= 400 ? 'Error' : undefined;
        if (expected === undefined) throw new Error(`${method} ${path} answered ${status}, which the OpenAPI document does not list`);
        if (expected === null) return;
        const validate = validatorOf(expected);
        if (!validate(body)) throw new Error(`${method} ${path} ${status} does not match ${expected}: ${ajv.errorsText(validate.errors)}`);
      };
    })();
    validators.set(baseUrl, v);
  }
  return v;
}
