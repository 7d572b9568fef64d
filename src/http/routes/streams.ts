import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { XINFO_STREAM_FULL_DEFAULT_COUNT } from '../../domain/defaults.js';
import { DEFAULT_STREAM_PAGE_LIMIT, MAX_STREAM_PAGE_LIMIT } from '../defaults.js';
import { mayRead } from '../plugins/auth.js';
import { noStream, orNoStream } from '../missing.js';
import { fieldsFormatQuery } from '../schemas/fields.js';
import { streamConfigBody } from '../schemas/idempotency.js';
import { streamParams } from '../schemas/names.js';
import { booleanQuery, countQuery, queryInteger } from '../schemas/numbers.js';
import { BODY_ERRORS, problemResponses } from '../schemas/problem.js';
import { setIdBody, streamInfoFullSchema, streamInfoSchema, streamListSchema } from '../schemas/stream.js';
import { streamInfoFullToWire, streamInfoToWire, streamSummaryToWire } from '../wire/stream.js';

export const streamRoutes: FastifyPluginAsyncZod = async (app) => {
  const { backend, appConfig } = app;

  app.get('/streams', {
    schema: {
      operationId: 'listStreams',
      summary: 'List streams',
      tags: ['streams'],
      'x-redis-command': 'SCAN TYPE stream',
      querystring: z.object({
        prefix: z.string().optional().meta({ description: 'Only names starting with this.' }),
        limit: queryInteger(1, MAX_STREAM_PAGE_LIMIT, `Page size, 1 to ${MAX_STREAM_PAGE_LIMIT}; default ${DEFAULT_STREAM_PAGE_LIMIT}.`).optional(),
        cursor: z.string().optional().meta({ description: '`nextCursor` of the previous page.' }),
      }),
      response: { 200: streamListSchema.meta({ description: 'A page of streams, by name' }), ...problemResponses(400) },
    },
    handler: async (request) => {
      const { prefix, limit = DEFAULT_STREAM_PAGE_LIMIT, cursor } = request.query;
      const page = await backend.listStreams({ prefix, limit, cursor });
      return { streams: page.streams.filter((summary) => mayRead(request, summary.name)).map(streamSummaryToWire), nextCursor: page.nextCursor };
    },
  });

  app.get('/streams/:stream', {
    schema: {
      operationId: 'getStream',
      summary: 'Stream info; with full=true, XINFO STREAM FULL',
      tags: ['streams'],
      'x-redis-command': 'XINFO STREAM / XLEN',
      params: streamParams,
      querystring: fieldsFormatQuery
        .extend({
          full: booleanQuery('XINFO STREAM FULL: entries and groups with their pending entries and consumers.'),
          count: countQuery(appConfig.maxCount, XINFO_STREAM_FULL_DEFAULT_COUNT).meta({
            description: `With full=true: most entries and PEL entries listed, 1 to ${appConfig.maxCount}; default ${XINFO_STREAM_FULL_DEFAULT_COUNT}.`,
          }),
        })
        .refine((query) => query.full === true || query.count === undefined, { message: 'count needs full=true', path: ['count'] }),
      response: { 200: z.union([streamInfoSchema, streamInfoFullSchema]).meta({ description: 'Stream info (StreamInfoFull with full=true)' }), ...problemResponses(400, 404) },
    },
    handler: async (request) => {
      const { stream } = request.params;
      const { full, count = XINFO_STREAM_FULL_DEFAULT_COUNT, fieldsFormat } = request.query;
      if (full) return streamInfoFullToWire(stream, orNoStream(await backend.streamInfoFull(stream, count)), fieldsFormat);
      return streamInfoToWire(stream, orNoStream(await backend.streamInfo(stream)), fieldsFormat);
    },
  });

  app.patch('/streams/:stream', {
    schema: {
      operationId: 'setStreamId',
      summary: "Set the stream's last ID (and counters)",
      tags: ['streams'],
      'x-redis-command': 'XSETID',
      params: streamParams,
      querystring: fieldsFormatQuery,
      body: setIdBody,
      response: { 200: streamInfoSchema.meta({ description: 'The stream as it is now' }), ...problemResponses(...BODY_ERRORS, 404, 507) },
    },
    handler: async (request) => {
      const { stream } = request.params;
      const { lastId, entriesAdded, maxDeletedId } = request.body;
      await backend.setStreamId(stream, { lastId, entriesAdded, maxDeletedId });
      return streamInfoToWire(stream, orNoStream(await backend.streamInfo(stream)), request.query.fieldsFormat);
    },
  });

  app.patch('/streams/:stream/config', {
    schema: {
      operationId: 'configureStream',
      summary: "Set the stream's idempotency windows",
      description: 'XCFGSET (Redis 8.6): a change of either value forgets the keys recorded so far.',
      tags: ['streams'],
      'x-redis-command': 'XCFGSET',
      params: streamParams,
      querystring: fieldsFormatQuery,
      body: streamConfigBody,
      response: { 200: streamInfoSchema.meta({ description: 'The stream as it is now' }), ...problemResponses(...BODY_ERRORS, 404) },
    },
    handler: async (request) => {
      const { stream } = request.params;
      await backend.configureStream(stream, request.body);
      return streamInfoToWire(stream, orNoStream(await backend.streamInfo(stream)), request.query.fieldsFormat);
    },
  });

  app.delete('/streams/:stream', {
    schema: {
      operationId: 'deleteStream',
      summary: 'Delete a stream with its groups',
      tags: ['streams'],
      'x-redis-command': 'DEL',
      params: streamParams,
      response: { 204: z.undefined().meta({ description: 'Deleted' }), ...problemResponses(400, 404) },
    },
    handler: async (request, reply) => {
      if (!(await backend.deleteStream(request.params.stream))) throw noStream();
      return reply.code(204).send();
    },
  });
};
