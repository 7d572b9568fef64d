import { readFileSync } from 'node:fs';

interface OpenApiDocument {
  paths: Record<string, Record<string, { operationId?: string }>>;
}

const document = JSON.parse(readFileSync(new URL('../../openapi/openapi.json', import.meta.url), 'utf8')) as OpenApiDocument;

const operations = Object.entries(document.paths).flatMap(([template, methods]) =>
  Object.entries(methods).map(([method, operation]) => ({
    operationId: operation.operationId ?? `${method} ${template}`,
    method: method.toUpperCase(),
    pattern: new RegExp(`^${template.replace(/\{[^}]+\}/g, '[^/]+')}$`),
  })),
);

/** Every operationId of the committed OpenAPI document. */
export const allOperationIds = operations.map((o) => o.operationId).sort();

/** The operationId a request went to, matched by method and path against the document's templates. */
export function operationOf(method: string, url: string): string | undefined {
  const path = new URL(url).pathname;
  return operations.find((o) => o.method === method.toUpperCase() && o.pattern.test(path))?.operationId;
}

/** A fetch that records the operationId of every request it sends. */
export function recordingFetch(seen: Set<string>): typeof fetch {
  return async (input, init) => {
    const request = input instanceof Request ? input : new Request(input, init);
    const id = operationOf(request.method, request.url);
    if (id !== undefined) seen.add(id);
    return fetch(request);
  };
}
