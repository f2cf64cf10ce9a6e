import Ajv2020 from 'ajv/dist/2020';
import type { APIGatewayProxyEvent } from 'aws-lambda';
import fc from 'fast-check';
import { openApiDocument, routeDoc } from '../../functions/lib/contract/openapi';
import { REQUEST_BODIES } from '../../functions/lib/contract/schemas';
import { ROUTES } from '../../functions/lib/contract/routes';
import { MAX_BODY_BYTES, readBody, readForm, SUPPORTED_KEYWORDS } from '../../functions/lib/http/request';

/**
 * Request bodies are checked by a hand-written subset of JSON Schema (`checkFields` in
 * request.ts), so that no validator library lands in the Lambda bundles. These tests are why
 * that subset cannot drift from the published contract:
 * 1. every request schema uses only keywords the subset implements (a new keyword fails here
 *    until `checkFields` implements it);
 * 2. on bodies generated around every limit of every schema, `readBody` and `readForm` accept
 *    exactly what ajv accepts under the schema that `/openapi.json` serves for that route.
 */
type Schema = { type?: string; required?: string[]; properties?: Record<string, Field> };
type Field = {
  type?: string;
  required?: string[];
  properties?: Record<string, Field>;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  minItems?: number;
  maxItems?: number;
  items?: { pattern?: string };
};

// The document as a client downloads it: JSON, not the objects it was built from.
const served = JSON.parse(JSON.stringify(openApiDocument('https://auth.example.com'))) as {
  paths: Record<string, Record<string, { requestBody?: { content: Record<string, { schema: Schema }> } }>>;
};
const operations = ROUTES.flatMap((route) => {
  const doc = routeDoc(route.method, route.path);
  const body = served.paths[route.path]?.[route.method.toLowerCase()]?.requestBody;
  if (!doc?.body || !body) return [];
  const [mediaType, { schema }] = Object.entries(body.content)[0] as [string, { schema: Schema }];
  return [{ name: `${route.method} ${route.path}`, key: doc.body, form: mediaType !== 'application/json', schema }];
});

const ajv = new Ajv2020({ strict: false, allErrors: false });

function eventOf(body: Record<string, unknown>, form: boolean): APIGatewayProxyEvent {
  const text = form ? new URLSearchParams(Object.entries(body).map(([k, v]) => [k, String(v)])).toString() : JSON.stringify(body);
  return {
    headers: { 'Content-Type': form ? 'application/x-www-form-urlencoded' : 'application/json' },
    body: text,
    isBase64Encoded: false,
  } as unknown as APIGatewayProxyEvent;
}

/** Values around each limit of a field, and values of every other JSON type. */
function candidates(field: Field, form: boolean): fc.Arbitrary<unknown> {
  const strings = (min: number, max: number) => [
    '',
    'a',
    'x'.repeat(Math.max(min, 1)),
    'x'.repeat(Math.min(max, 9000)),
    'x'.repeat(Math.min(max, 9000) + 1),
    // Characters outside the BMP: two UTF-16 units, one character to JSON Schema.
    '😀'.repeat(Math.min(max, 3000)),
    '😀'.repeat(Math.min(max, 3000) + 1),
  ];
  const others = form ? [] : [null, true, 42, 1.5, [], {}, ['a'], { a: 1 }];
  switch (field.type) {
    case 'string':
      return fc.oneof(fc.constantFrom(...strings(field.minLength ?? 0, field.maxLength ?? 4096), ...others), fc.string());
    case 'integer': {
      const lo = field.minimum ?? -10;
      const hi = field.maximum ?? 10;
      return fc.oneof(
        fc.constantFrom(lo - 1, lo, hi, hi + 1, lo + 0.5, String(lo), ...others),
        fc.integer({ min: lo - 100, max: hi + 100 }),
      );
    }
    case 'array': {
      const item = fc.oneof(
        fc.constantFrom('user', 'admin', 'ping', 'orders:read', 'https://api.example.com', 'urn:x', 'a b', '', 'Ünïcode', '9lives', 42),
        fc.string(),
      );
      const max = field.maxItems ?? 5;
      return fc.oneof(
        fc.array(item, { minLength: 0, maxLength: Math.min(max + 2, 60) }),
        fc.constant(Array.from({ length: max + 1 }, () => 'user')),
        fc.constantFrom(...others, 'user'),
      );
    }
    case 'object':
      return field.properties
        ? fc.oneof(
            fc.record(Object.fromEntries(Object.entries(field.properties).map(([k, f]) => [k, candidates(f, form)])), { requiredKeys: [] }),
            fc.constantFrom(...others, 'x'),
          )
        : fc.constantFrom(...others, 'x', { id: 'a', response: {} });
    default:
      return fc.constantFrom(...others, 'x');
  }
}

describe('request validation: the hand-written subset of JSON Schema', () => {
  it('covers a JSON body or a form for every route that takes one', () => {
    const withBody = ROUTES.filter((r) => routeDoc(r.method, r.path)?.body !== undefined).map((r) => `${r.method} ${r.path}`);
    expect(operations.map((op) => op.name)).toEqual(withBody);
    for (const op of operations) expect(op.schema).toEqual(JSON.parse(JSON.stringify(REQUEST_BODIES[op.key])));
  });

  it.each(Object.keys(REQUEST_BODIES))('%s uses only the keywords checkFields implements', (key) => {
    const schema = REQUEST_BODIES[key as keyof typeof REQUEST_BODIES] as unknown as Schema & Record<string, unknown>;
    expect(Object.keys(schema).filter((k) => !(SUPPORTED_KEYWORDS.object as readonly string[]).includes(k))).toEqual([]);
    for (const [name, field] of Object.entries(schema.properties ?? {})) {
      const extra = Object.keys(field).filter((k) => !(SUPPORTED_KEYWORDS.field as readonly string[]).includes(k));
      expect([name, extra]).toEqual([name, []]);
      const items = Object.keys(field.items ?? {}).filter((k) => !(SUPPORTED_KEYWORDS.items as readonly string[]).includes(k));
      expect([name, items]).toEqual([name, []]);
    }
  });

  it.each(operations.map((op) => [op.name, op] as const))('%s: accepts exactly what ajv accepts under the served schema', (_, op) => {
    const validate = ajv.compile(op.schema);
    const fields = Object.entries(op.schema.properties ?? {});
    const body = fc.record(
      Object.fromEntries([...fields.map(([name, field]) => [name, candidates(field, op.form)]), ['unknown_field', fc.constant('x')]]),
      { requiredKeys: [] },
    );
    const read = op.form ? readForm : readBody;
    fc.assert(
      fc.property(body, (generated) => {
        // A form carries strings only, and what it carries is what the service reads.
        const sent = op.form ? Object.fromEntries(Object.entries(generated).map(([k, v]) => [k, String(v)])) : generated;
        // A body over the size limit is refused before any field is read: not the schema's rule.
        fc.pre(Buffer.byteLength(eventOf(sent, op.form).body as string) <= MAX_BODY_BYTES);
        let ours: boolean;
        try {
          read(eventOf(sent, op.form), REQUEST_BODIES[op.key] as never);
          ours = true;
        } catch {
          ours = false;
        }
        expect([JSON.stringify(sent).slice(0, 300), ours]).toEqual([JSON.stringify(sent).slice(0, 300), validate(sent)]);
      }),
      { numRuns: 300 },
    );
  });
});
