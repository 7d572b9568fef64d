import helmet from '@fastify/helmet';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import { BEARER_SCHEME, QUERY_TOKEN_SCHEME } from './auth.js';
import { createJsonSchemaTransform, createJsonSchemaTransformObject } from 'fastify-type-provider-zod';
import { packageVersion } from '../../package-info.js';
import { refineDocument } from './openapi-document.js';

type Document = Record<string, unknown> & { components?: { schemas?: Record<string, unknown> } };

const generateDocument = createJsonSchemaTransformObject({});

/** Every registered schema is emitted twice (input and output); keep the ones the operations use. */
function withoutUnusedSchemas(document: Document): Document {
  const schemas = document.components?.schemas;
  if (!schemas) return document;
  const used = new Set<string>();
  const visit = (value: unknown): void => {
    if (Array.isArray(value)) return value.forEach(visit);
    if (value === null || typeof value !== 'object') return;
    for (const [key, child] of Object.entries(value)) {
      if (key === '$ref' && typeof child === 'string') {
        const name = child.replace('#/components/schemas/', '');
        if (!used.has(name) && name in schemas) {
          used.add(name);
          visit(schemas[name]);
        }
      } else visit(child);
    }
  };
  visit({ ...document, components: { ...document.components, schemas: {} } });
  const kept = Object.fromEntries(Object.keys(schemas).sort().filter((name) => used.has(name)).map((name) => [name, schemas[name]]));
  return { ...document, components: { ...document.components, schemas: kept } };
}

const DESCRIPTION = `Redis Streams consumer groups over HTTP.

Errors are \`application/problem+json\` (RFC 9457) with a stable \`code\`. Message IDs are strings \`<ms>-<seq>\`
(both unsigned 64-bit); counters (\`entriesAdded\`, \`entriesRead\`, \`lag\`) are JSON numbers, exact up to 2^53-1,
and inputs above that are refused. Each operation names the Redis command it maps to in \`x-redis-command\`.`;

export async function registerOpenApi(app: FastifyInstance): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'streamgate', version: packageVersion(), description: DESCRIPTION, license: { name: 'MIT', identifier: 'MIT' } },
      // Relative: Swagger UI and SDKs call the server that served the document (an SDK is given its baseUrl).
      servers: [{ url: '/', description: 'The server that serves this document' }],
      tags: [
        { name: 'streams', description: 'Streams (keys)' },
        { name: 'messages', description: 'Appending, reading, deleting and trimming entries' },
        { name: 'groups', description: 'Consumer groups' },
        { name: 'consumers', description: 'Consumers and group reads' },
        { name: 'pending', description: 'Pending entries: acknowledgements and claims' },
        { name: 'service', description: 'Health, readiness and metrics' },
      ],
      components: {
        securitySchemes: {
          [BEARER_SCHEME]: { type: 'http', scheme: 'bearer', description: 'A token of AUTH_TOKENS_FILE, or a JWT whose `streamgate` claim lists what it may do.' },
          [QUERY_TOKEN_SCHEME]: { type: 'apiKey', in: 'query', name: 'access_token', description: 'The same token in the query, for the SSE routes only (EventSource sends no headers).' },
        },
      },
      security: [{ [BEARER_SCHEME]: [] }],
    },
    transform: createJsonSchemaTransform({ skipList: [] }),
    transformObject: (input) => refineDocument(withoutUnusedSchemas(generateDocument(input) as Document)) as ReturnType<typeof generateDocument>,
  });
  // Security headers (CSP, frame-ancestors, nosniff, ...) on the docs pages only: the API answers JSON.
  await app.register(async (docs) => {
    await docs.register(helmet, { global: true });
    await docs.register(swaggerUi, { routePrefix: '/docs' });
  });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
}
