import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { DEFAULT_WAIT_MS } from '../defaults.js';
import { waitSignal } from '../plugins/lifecycle.js';
import { noConsumer } from '../missing.js';
import { sendMessageList } from '../reply.js';
import { fieldsFormatQuery } from '../schemas/fields.js';
import { consumerListSchema, consumerSchema } from '../schemas/group.js';
import { ackedMessageListSchema } from '../schemas/message.js';
import { consumerParams, groupParams } from '../schemas/names.js';
import { nonNegative } from '../schemas/numbers.js';
import { BODY_ERRORS, problemResponses } from '../schemas/problem.js';
import { readGroupBody } from '../schemas/read.js';
import { consumerToWire } from '../wire/group.js';

export const consumerRoutes: FastifyPluginAsyncZod = async (app) => {
  const { backend, appConfig } = app;

  app.get('/streams/:stream/groups/:group/consumers', {
    schema: {
      operationId: 'listConsumers',
      summary: "List the group's consumers",
      tags: ['consumers'],
      'x-redis-command': 'XINFO CONSUMERS',
      params: groupParams,
      response: { 200: consumerListSchema.meta({ description: 'The consumers' }), ...problemResponses(400, 404) },
    },
    handler: async (request) => {
      const { stream, group } = request.params;
      return { consumers: (await backend.consumers(stream, group)).map(consumerToWire) };
    },
  });

  app.put('/streams/:stream/groups/:group/consumers/:consumer', {
    schema: {
      operationId: 'createConsumer',
      summary: 'Create a consumer (idempotent)',
      tags: ['consumers'],
      'x-redis-command': 'XGROUP CREATECONSUMER',
      params: consumerParams,
      response: {
        200: consumerSchema.meta({ description: 'The consumer existed' }),
        201: consumerSchema.meta({ description: 'The consumer was created' }),
        ...problemResponses(400, 404, 409, 507),
      },
    },
    handler: async (request, reply) => {
      const { stream, group, consumer } = request.params;
      const created = await backend.createConsumer(stream, group, consumer);
      const info = (await backend.consumers(stream, group)).find((c) => c.name === consumer);
      if (info === undefined) throw noConsumer(group, consumer);
      return reply.code(created ? 201 : 200).send(consumerToWire(info));
    },
  });

  app.delete('/streams/:stream/groups/:group/consumers/:consumer', {
    schema: {
      operationId: 'deleteConsumer',
      summary: 'Delete a consumer; its pending entries are dropped',
      tags: ['consumers'],
      'x-redis-command': 'XGROUP DELCONSUMER',
      params: consumerParams,
      response: {
        200: z.object({ pending: nonNegative().meta({ description: 'Pending entries the consumer held, now dropped from the group.' }) }).meta({ description: 'Deleted' }),
        ...problemResponses(400, 404),
      },
    },
    handler: async (request) => {
      const { stream, group, consumer } = request.params;
      const pending = await backend.deleteConsumer(stream, group, consumer);
      if (pending === null) throw noConsumer(group, consumer);
      return { pending };
    },
  });

  app.post('/streams/:stream/groups/:group/consumers/:consumer/read', {
    schema: {
      operationId: 'readGroup',
      summary: 'Read as this consumer: new messages, or its pending history',
      description:
        'With `after: ">"` (default): entries never delivered to the group, waiting up to `waitMs`. ' +
        "With an ID: this consumer's pending entries after it (no wait; deleted ones have `fields: null`). " +
        'With `claimMinIdleMs` (XREADGROUP CLAIM, Redis 8.4): idle pending entries of the group first, then new ones. ' +
        'With `ack`: XACK of those IDs first, then the read, in one request and one log write (the embedded backend makes both ' +
        'durable with one fsync; on Redis one script does both for one stream).',
      tags: ['consumers'],
      'x-redis-command': 'XREADGROUP (XACK first with ack)',
      params: consumerParams,
      querystring: fieldsFormatQuery,
      body: readGroupBody(appConfig.maxCount, appConfig.maxWaitMs, appConfig.maxBatch),
      response: { 200: ackedMessageListSchema.meta({ description: 'Delivered messages; empty when a wait timed out' }), ...problemResponses(...BODY_ERRORS, 404, 409, 507) },
    },
    handler: async (request, reply) => {
      const { stream, group, consumer } = request.params;
      const { after, waitMs = DEFAULT_WAIT_MS, noAck, claimMinIdleMs, maxCount, maxBytes, ack } = request.body;
      // Without `count`, the server's cap, lowered to maxCount so that MAXCOUNT >= COUNT holds.
      const count = request.body.count ?? (maxCount === undefined ? appConfig.maxCount : Math.min(maxCount, appConfig.maxCount));
      const signal = waitMs > 0 ? waitSignal(reply, app.shutdownSignal) : undefined;
      const streams = [{ key: stream, from: after }];
      const plain = claimMinIdleMs === undefined && maxCount === undefined && maxBytes === undefined;
      const read = plain ? { group, consumer, streams, count, noAck } : { group, consumer, streams, count, noAck, claimMinIdleMs, maxCount, maxBytes };
      const wait = { waitMs: Math.min(waitMs, appConfig.maxWaitMs), signal };
      if (ack !== undefined) {
        const { acknowledged, results } = await backend.ackAndReadGroup([{ key: stream, ids: ack }], read, wait);
        return sendMessageList(reply, results[0]?.entries ?? [], request.query.fieldsFormat, acknowledged[0]);
      }
      const results = await backend.readGroup(read, wait);
      return sendMessageList(reply, results[0]?.entries ?? [], request.query.fieldsFormat);
    },
  });
};
