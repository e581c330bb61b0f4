import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Swagger UI is for people: every API operation of the committed openapi.json says what it does, what it
 * takes (with examples to start from), what it answers, and how it fails (the contract's error body).
 */
type Schema = {
  $ref?: string;
  type?: string;
  example?: unknown;
  default?: unknown;
  enum?: unknown[];
  items?: Schema;
  properties?: Record<string, Schema>;
  allOf?: Schema[];
  oneOf?: Schema[];
};
type Operation = {
  summary?: string;
  security?: object[];
  requestBody?: { content: Record<string, { schema: Schema }> };
  responses: Record<string, { description?: string; content?: Record<string, { schema?: Schema; example?: unknown }> }>;
};

const doc = JSON.parse(readFileSync(join(__dirname, '..', 'openapi.json'), 'utf8'));
const schemas: Record<string, Schema> = doc.components.schemas;
const operations: [string, Operation][] = Object.entries(
  doc.paths as Record<string, Record<string, Operation>>,
).flatMap(([path, item]) =>
  Object.entries(item).map(([method, op]): [string, Operation] => [`${method.toUpperCase()} ${path}`, op]),
);
const apiOperations = operations.filter(([name]) => / \/(api\/v2|\.well-known)\//.test(name));

const refName = (s: Schema) => s.$ref?.split('/').pop();

/** Request fields that a person must fill in without a starting value. */
function fieldsWithoutExample(name: string, seen = new Set<string>()): string[] {
  if (seen.has(name)) return [];
  seen.add(name);
  return Object.entries(schemas[name].properties ?? {}).flatMap(([field, s]) => {
    const nested = refName(s) ?? (s.items && refName(s.items)) ?? (s.allOf?.[0] && refName(s.allOf[0]));
    if (nested) return fieldsWithoutExample(nested, seen).map((f) => `${name}.${field}.${f}`);
    if (s.example !== undefined || s.default !== undefined || s.enum || s.items?.enum || s.type === 'boolean')
      return [];
    return [`${name}.${field}`];
  });
}

describe('openapi.json documents every route for people', () => {
  it('has many operations (sanity)', () => {
    expect(apiOperations.length).toBeGreaterThan(60);
  });

  it.each(apiOperations)(
    '%s: a summary, a success answer with its schema, and the contract’s error body',
    (name, op) => {
      expect(op.summary).toBeTruthy();
      const success = Object.keys(op.responses).filter((s) => s.startsWith('2'));
      expect(success.length).toBeGreaterThan(0);
      for (const status of success) {
        if (status !== '204' && status !== '202') expect(op.responses[status].content).toBeDefined();
      }
      for (const [status, response] of Object.entries(op.responses)) {
        if (!/^[45]/.test(status)) continue;
        const json = response.content?.['application/json'];
        expect([status, json?.schema?.$ref]).toEqual([status, '#/components/schemas/ErrorResponseDto']);
        expect(json?.example).toMatchObject({ statusCode: Number(status) });
      }
      if ((op.security ?? []).length) expect(Object.keys(op.responses)).toEqual(expect.arrayContaining(['401', '403']));
      if (op.requestBody) {
        expect(Object.keys(op.responses)).toEqual(expect.arrayContaining(['400', '413']));
        const body = refName(op.requestBody.content['application/json'].schema);
        expect(body && fieldsWithoutExample(body)).toEqual([]);
      }
      if (name.includes('{id}')) expect(Object.keys(op.responses)).toContain('404');
    },
  );

  it('offers both ways to authorize in Swagger UI, each explained', () => {
    expect(doc.components.securitySchemes).toMatchObject({
      bearer: { type: 'http', scheme: 'bearer', description: expect.stringContaining('/auth/login') },
      apiKey: { type: 'apiKey', in: 'header', name: 'X-API-Key', description: expect.any(String) },
    });
  });
});
