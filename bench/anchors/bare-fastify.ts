/**
 * The anchors for the HTTP scenarios: fastify with nothing of streamgate.
 *
 * MODE=post: `POST /v1/streams/:stream/messages` validates the same body
 * shape the fastify way (a JSON schema, compiled by fastify's default ajv
 * validator; the reply through fast-json-stringify) and answers 201 `{id}`.
 * No stream, no storage: the cost of fastify alone at its fastest.
 *
 * MODE=sse: `GET /events` holds an event stream per client; `POST /publish`
 * `{messages: [{fields}]}` writes each message as one SSE event to every
 * open stream and answers 201 `{ids}`.
 *
 * Both answer `GET /healthz`. Env: HOST, PORT, MODE.
 */
import Fastify from 'fastify';
import { serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import type { ServerResponse } from 'node:http';
import { z } from 'zod';

const host = process.env.HOST ?? '127.0.0.1';
const port = Number(process.env.PORT ?? 0);
const mode = process.env.MODE ?? 'post';

const fields = z.record(z.string(), z.string()).refine((o) => Object.keys(o).length > 0, { message: 'must have at least one field' });
/** appendBody's common shape as JSON Schema: `{fields: {name: value, ...}, id?}`, nothing else. */
const appendBodyJsonSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['fields'],
  properties: {
    fields: { type: 'object', minProperties: 1, additionalProperties: { type: 'string' } },
    id: { type: 'string', minLength: 1 },
  },
} as const;
const publishBody = z.strictObject({ messages: z.array(z.strictObject({ fields })).min(1) });

const app = Fastify({ logger: false }).withTypeProvider<ZodTypeProvider>();
// The SSE anchor validates its publish body with zod as the app does; the POST anchor keeps fastify's own ajv + fast-json-stringify.
if (mode === 'sse') {
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
}

let ms = Date.now();
let seq = 0;
function nextId(): string {
  const now = Date.now();
  if (now > ms) {
    ms = now;
    seq = 0;
  } else seq++;
  return `${ms}-${seq}`;
}

app.get('/healthz', async () => ({ status: 'ok' }));

if (mode === 'post') {
  app.post('/v1/streams/:stream/messages', {
    schema: {
      params: { type: 'object', required: ['stream'], properties: { stream: { type: 'string', minLength: 1 } } },
      body: appendBodyJsonSchema,
      response: { 201: { type: 'object', required: ['id'], properties: { id: { type: 'string' } } } },
    },
    handler: async (_request, reply) => reply.code(201).send({ id: nextId() }),
  });
}

const clients = new Set<ServerResponse>();
if (mode === 'sse') {
  app.get('/events', (_request, reply) => {
    reply.hijack();
    const raw = reply.raw;
    raw.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', connection: 'keep-alive' });
    raw.socket?.setNoDelay(true);
    raw.write('retry: 1000\n\n');
    clients.add(raw);
    raw.once('close', () => clients.delete(raw));
  });
  app.post('/publish', {
    schema: { body: publishBody, response: { 201: z.object({ ids: z.array(z.string()) }) } },
    handler: async (request, reply) => {
      const ids: string[] = [];
      for (const message of request.body.messages) {
        const id = nextId();
        ids.push(id);
        const event = `id: ${id}\nevent: message\ndata: ${JSON.stringify({ id, fields: message.fields })}\n\n`;
        for (const client of clients) client.write(event);
      }
      return reply.code(201).send({ ids });
    },
  });
  app.get('/clients', async () => ({ clients: clients.size }));
}

const close = async (): Promise<void> => {
  setTimeout(() => process.exit(0), 3_000).unref();
  for (const client of clients) client.end();
  await app.close();
  process.exit(0);
};
process.once('SIGTERM', () => void close());
process.once('SIGINT', () => void close());

await app.listen({ host, port });
