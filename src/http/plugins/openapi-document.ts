import { OPTIONAL_BODY } from '../schemas/read.js';
import { OPERATION_EXAMPLES, PATH_EXAMPLES } from './openapi-examples.js';

/**
 * Finishing touches to the generated OpenAPI document, for what zod's JSON Schema cannot say:
 * "Try it out" examples, optional request bodies, response headers, and `false` for a property
 * that must be absent (zod's `never` is `{not: {}}`, which openapi-typescript types as `unknown`).
 */
type Json = Record<string, unknown>;

interface Parameter extends Json {
  in: string;
  name: string;
  schema?: Json;
}

interface Operation extends Json {
  operationId?: string;
  parameters?: Parameter[];
  requestBody?: { required?: boolean; content?: Record<string, Json> };
  responses?: Record<string, Json & { headers?: Record<string, Json> }>;
}

/** Operations whose 201 names the new resource in `Location`. */
const CREATES_WITH_LOCATION = new Set(['appendMessage', 'createGroup']);

/** Response headers, declared once under `components.headers` and referred to by every response. */
const HEADERS = {
  RequestId: {
    description: "The request's ID: the caller's `x-request-id` when it sent a sane one, otherwise a UUID; also in the server's log lines.",
    required: true,
    schema: { type: 'string' },
  },
  Location: { description: 'Path of the created resource.', required: true, schema: { type: 'string' } },
  RetryAfter: { description: 'Seconds to wait before trying again, when the server can tell.', schema: { type: 'integer', minimum: 0 } },
};
const headerRef = (name: keyof typeof HEADERS) => ({ $ref: `#/components/headers/${name}` });

export function refineDocument<D extends Json>(document: D): D {
  const paths = (document.paths ?? {}) as Record<string, Record<string, Operation>>;
  for (const pathItem of Object.values(paths)) {
    for (const operation of Object.values(pathItem)) {
      addExamples(operation);
      markOptionalBody(operation);
      addNdjsonBody(operation);
      declareHeaders(operation);
    }
  }
  const components = (document.components ?? {}) as Json;
  return neverAsFalse({ ...document, components: { ...components, headers: HEADERS } }) as D;
}

function addExamples(operation: Operation): void {
  const examples = OPERATION_EXAMPLES[operation.operationId ?? ''] ?? {};
  for (const parameter of operation.parameters ?? []) {
    delete parameter.examples;
    delete parameter.example;
    const value = parameter.in === 'path' ? PATH_EXAMPLES[parameter.name] : examples.query?.[parameter.name];
    if (parameter.in !== 'path') delete parameter.schema?.examples;
    if (value !== undefined) parameter.example = value;
  }
  const media = operation.requestBody?.content?.['application/json'];
  if (media === undefined) return;
  delete media.example;
  delete media.examples;
  if (examples.body !== undefined) media.examples = examples.body;
}

/**
 * A route's `x-ndjson-body` (its NDJSON form, in words) becomes an `application/x-ndjson` request body
 * beside the JSON one: OpenAPI 3.1 has no schema for a sequence of lines, so the line's shape is the
 * JSON body's `messages` item, given as `x-line-schema`.
 */
function addNdjsonBody(operation: Operation): void {
  const description = operation['x-ndjson-body'];
  if (typeof description !== 'string') return;
  delete operation['x-ndjson-body'];
  const json = operation.requestBody?.content?.['application/json']?.schema as { properties?: { messages?: { items?: Json } } } | undefined;
  const line = json?.properties?.messages?.items;
  operation.requestBody = {
    ...operation.requestBody,
    content: {
      ...operation.requestBody?.content,
      'application/x-ndjson': {
        schema: { type: 'string', description, ...(line === undefined ? {} : { 'x-line-schema': line }) },
        example: '{"fields":{"sku":"A-1","qty":"2"}}\n{"fields":{"sku":"B-7","qty":"1"}}\n',
      },
    },
  };
}

function markOptionalBody(operation: Operation): void {
  const body = operation.requestBody;
  if (body === undefined) return;
  for (const media of Object.values(body.content ?? {})) {
    const schema = media.schema as Json | undefined;
    if (schema?.[OPTIONAL_BODY] === true) {
      delete schema[OPTIONAL_BODY];
      body.required = false;
    }
  }
}

function declareHeaders(operation: Operation): void {
  for (const [status, response] of Object.entries(operation.responses ?? {})) {
    const headers: Record<string, Json> = { ...response.headers };
    if (status === '201' && CREATES_WITH_LOCATION.has(operation.operationId ?? '')) headers.Location = headerRef('Location');
    if (status === '429' || status === '503') headers['Retry-After'] = headerRef('RetryAfter');
    headers['x-request-id'] = headerRef('RequestId');
    response.headers = headers;
  }
}

function neverAsFalse(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(neverAsFalse);
  if (value === null || typeof value !== 'object') return value;
  const entries = Object.entries(value);
  if (entries.length === 1 && entries[0]![0] === 'not' && isEmptyObject(entries[0]![1])) return false;
  return Object.fromEntries(entries.map(([key, child]) => [key, neverAsFalse(child)]));
}

function isEmptyObject(value: unknown): boolean {
  return value !== null && typeof value === 'object' && !Array.isArray(value) && Object.keys(value).length === 0;
}
