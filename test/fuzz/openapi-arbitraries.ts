import fc from 'fast-check';

/** A JSON Schema as the OpenAPI document writes them (the subset streamgate's schemas use). */
export interface Schema {
  $ref?: string;
  type?: string | string[];
  enum?: unknown[];
  const?: unknown;
  pattern?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  minItems?: number;
  maxItems?: number;
  items?: Schema | false;
  prefixItems?: Schema[];
  properties?: Record<string, Schema>;
  required?: string[];
  additionalProperties?: Schema | boolean;
  anyOf?: Schema[];
  oneOf?: Schema[];
  allOf?: Schema[];
  examples?: unknown[] | Record<string, { value: unknown }>;
  default?: unknown;
}

export interface Operation {
  method: string;
  path: string;
  operationId: string;
  pathParams: string[];
  query: { name: string; schema: Schema; examples: unknown[] }[];
  body: Schema | undefined;
}

const METHODS = ['get', 'put', 'post', 'delete', 'patch'] as const;

export function operationsOf(document: { paths: Record<string, Record<string, any>> }): Operation[] {
  const operations: Operation[] = [];
  for (const [path, item] of Object.entries(document.paths)) {
    for (const method of METHODS) {
      const op = item[method];
      if (!op) continue;
      const parameters: any[] = op.parameters ?? [];
      operations.push({
        method: method.toUpperCase(),
        path,
        operationId: op.operationId,
        pathParams: parameters.filter((p) => p.in === 'path').map((p) => p.name),
        query: parameters
          .filter((p) => p.in === 'query')
          .map((p) => ({ name: p.name, schema: p.schema ?? {}, examples: p.examples ? Object.values<{ value: unknown }>(p.examples).map((e) => e.value) : [] })),
        body: op.requestBody?.content?.['application/json']?.schema,
      });
    }
  }
  return operations;
}

/** Values of every JSON type, for the slots where the schema's own type is not what arrives. */
const anyJson = fc.oneof(
  fc.constantFrom(null, true, false, 0, -1, 1.5, 2 ** 53, -(2 ** 63), 1e308, '', ' ', '0', '-', '$', '>', '*', '__proto__', 'constructor', '\u0000', '\ud800'),
  fc.string({ maxLength: 8 }),
  fc.integer(),
  fc.jsonValue({ maxDepth: 2 }),
);

/**
 * Values for `schema`: mostly valid (so that requests reach the core),
 * sometimes at or past its bounds, sometimes of another type altogether.
 */
export function arbitraryFor(schema: Schema, components: Record<string, Schema>, depth = 0): fc.Arbitrary<unknown> {
  if (schema.$ref) return arbitraryFor(components[schema.$ref.replace('#/components/schemas/', '')] ?? {}, components, depth);
  const valid = validFor(schema, components, depth);
  return fc.oneof({ weight: 15, arbitrary: valid }, { weight: 1, arbitrary: anyJson });
}

function examplesOf(schema: Schema): unknown[] {
  if (Array.isArray(schema.examples)) return schema.examples;
  if (schema.examples) return Object.values(schema.examples).map((e) => e.value);
  return [];
}

function validFor(schema: Schema, components: Record<string, Schema>, depth: number): fc.Arbitrary<unknown> {
  const alternatives = schema.anyOf ?? schema.oneOf;
  if (alternatives) return fc.oneof(...alternatives.map((alt) => arbitraryFor(alt, components, depth + 1)));
  if (schema.allOf?.length) return arbitraryFor(schema.allOf[0]!, components, depth + 1);
  if (schema.enum) return fc.constantFrom(...schema.enum);
  if (schema.const !== undefined) return fc.constant(schema.const);
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
  switch (type) {
    case 'string': {
      const examples = examplesOf(schema);
      const options: fc.Arbitrary<unknown>[] = [];
      if (schema.pattern) options.push(fc.stringMatching(new RegExp(schema.pattern)));
      else options.push(fc.string({ minLength: schema.minLength ?? 0, maxLength: Math.min(schema.maxLength ?? 8, 8) }));
      if (examples.length > 0) options.push(fc.constantFrom(...examples));
      options.push(fc.constantFrom('0', '0-0', '1-0', '2-0', '18446744073709551615-18446744073709551615', '18446744073709551616', '$', '>', '-', '+', '*', 'g', 'c'));
      return fc.oneof(...options);
    }
    case 'integer':
    case 'number': {
      const min = schema.minimum ?? -1000;
      const max = schema.maximum ?? 1000;
      return fc.oneof(
        { weight: 6, arbitrary: fc.integer({ min: Math.max(min, -1000), max: Math.min(max, Math.max(min, -1000) + 20) }) },
        { weight: 1, arbitrary: fc.constantFrom(min, max, min - 1, max + 1) },
        { weight: 1, arbitrary: fc.integer({ min: Math.max(min, -(2 ** 31)), max: Math.min(max, 2 ** 31) }) },
      );
    }
    case 'boolean':
      return fc.boolean();
    case 'array': {
      const maxLength = Math.min(schema.maxItems ?? 4, 4);
      const minLength = Math.min(schema.minItems ?? 0, maxLength);
      if (schema.prefixItems) return fc.tuple(...schema.prefixItems.map((item) => arbitraryFor(item, components, depth + 1)));
      const item = schema.items ? arbitraryFor(schema.items, components, depth + 1) : anyJson;
      return fc.array(item, { minLength, maxLength: depth > 3 ? minLength : maxLength });
    }
    case 'object': {
      if (depth > 4) return fc.constant({});
      const properties = schema.properties ?? {};
      const names = Object.keys(properties);
      if (names.length === 0) {
        const value = typeof schema.additionalProperties === 'object' ? arbitraryFor(schema.additionalProperties, components, depth + 1) : anyJson;
        return fc.dictionary(fc.oneof(fc.string({ minLength: 1, maxLength: 4 }), fc.constantFrom('a', 'b', '__proto__', 'constructor')), value, {
          minKeys: 0,
          maxKeys: 3,
        });
      }
      const record = fc.record(Object.fromEntries(names.map((name) => [name, arbitraryFor(properties[name]!, components, depth + 1)])), {
        requiredKeys: [],
      });
      return fc.oneof(
        { weight: 8, arbitrary: record },
        { weight: 1, arbitrary: fc.tuple(record, fc.string({ minLength: 1, maxLength: 5 }), anyJson).map(([object, key, value]) => ({ ...object, [key]: value })) },
      );
    }
    default:
      return anyJson;
  }
}
