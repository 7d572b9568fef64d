import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { XAUTOCLAIM_DEFAULT_COUNT } from '../../domain/defaults.js';
import { noStreamOrGroup } from '../missing.js';
import { autoclaimBody, autoclaimResultSchema, claimBody, claimResultSchema } from '../schemas/claim.js';
import { fieldsFormatQuery } from '../schemas/fields.js';
import { groupParams } from '../schemas/names.js';
import { pendingListSchema, pendingQuery, pendingSummarySchema } from '../schemas/pending.js';
import { nonNegative } from '../schemas/numbers.js';
import { BODY_ERRORS, problemResponses } from '../schemas/problem.js';
import { ackBody, deletionResults, nackBody } from '../schemas/refs.js';
import { autoclaimToWire, claimToWire } from '../wire/claim.js';
import { pendingEntryToWire, pendingSummaryToWire } from '../wire/pending.js';

export const pendingRoutes: FastifyPluginAsyncZod = async (app) => {
  const { backend, appConfig } = app;

  app.post('/streams/:stream/groups/:group/acks', {
    schema: {
      operationId: 'ackMessages',
      summary: 'Acknowledge messages',
      tags: ['pending'],
      description:
        'XACK; with `delete: true`, XACKDEL (Redis 8.2): acknowledged messages are deleted too (`refs` says what happens to other groups), ' +
        'and `results` has one string per ID; a missing stream or group then answers every ID `notFound` rather than 404.',
      'x-redis-command': 'XACK, XACKDEL',
      params: groupParams,
      body: ackBody(appConfig.maxBatch),
      response: {
        200: z
          .object({
            acknowledged: nonNegative().meta({ description: 'How many of the IDs were pending.' }),
            results: deletionResults.optional().meta({ description: 'With `delete: true` only.' }),
          })
          .meta({ description: 'Acknowledged' }),
        ...problemResponses(...BODY_ERRORS, 404),
      },
    },
    handler: async (request) => {
      const { stream, group } = request.params;
      const { ids, refs = 'keepRef' } = request.body;
      if (request.body.delete === true) {
        const results = await backend.ackAndDelete(stream, group, ids, refs);
        return { acknowledged: results.filter((r) => r !== 'notFound').length, results };
      }
      const acknowledged = await backend.ack(stream, group, ids);
      if (acknowledged === null) throw await noStreamOrGroup(backend, stream, group);
      return { acknowledged };
    },
  });

  app.post('/streams/:stream/groups/:group/nacks', {
    schema: {
      operationId: 'nackMessages',
      summary: 'Release pending messages (negative acknowledgement)',
      description:
        'XNACK (Redis 8.8): each pending ID loses its consumer (`consumer: null`, `idleMs: null` in pending lists) and goes to the head of ' +
        'the claim order (`claimMinIdleMs` reads take it first). IDs not pending are skipped, unless `force` and the message exists.',
      tags: ['pending'],
      'x-redis-command': 'XNACK',
      params: groupParams,
      body: nackBody(appConfig.maxBatch),
      response: {
        200: z.object({ released: nonNegative().meta({ description: 'How many entries were released.' }) }).meta({ description: 'Released' }),
        ...problemResponses(...BODY_ERRORS, 404),
      },
    },
    handler: async (request) => {
      const { stream, group } = request.params;
      return { released: await backend.release(stream, group, request.body) };
    },
  });

  app.get('/streams/:stream/groups/:group/pending', {
    schema: {
      operationId: 'getPendingSummary',
      summary: "Summary of the group's pending entries",
      tags: ['pending'],
      'x-redis-command': 'XPENDING',
      params: groupParams,
      response: { 200: pendingSummarySchema.meta({ description: 'The pending summary' }), ...problemResponses(400, 404) },
    },
    handler: async (request) => pendingSummaryToWire(await backend.pendingSummary(request.params.stream, request.params.group)),
  });

  app.get('/streams/:stream/groups/:group/pending/messages', {
    schema: {
      operationId: 'listPendingMessages',
      summary: 'Pending entries in an ID range',
      tags: ['pending'],
      'x-redis-command': 'XPENDING',
      params: groupParams,
      querystring: pendingQuery(appConfig.maxCount),
      response: { 200: pendingListSchema.meta({ description: 'Pending entries, oldest first' }), ...problemResponses(400, 404) },
    },
    handler: async (request) => {
      const { stream, group } = request.params;
      const { count = appConfig.maxCount, ...range } = request.query;
      return { messages: (await backend.pendingEntries(stream, group, { ...range, count })).map(pendingEntryToWire) };
    },
  });

  app.post('/streams/:stream/groups/:group/claims', {
    schema: {
      operationId: 'claimMessages',
      summary: 'Claim pending messages for a consumer',
      tags: ['pending'],
      'x-redis-command': 'XCLAIM',
      params: groupParams,
      querystring: fieldsFormatQuery,
      body: claimBody(appConfig.maxBatch),
      response: { 200: claimResultSchema.meta({ description: 'The claimed messages (deleted ones are dropped)' }), ...problemResponses(...BODY_ERRORS, 404, 409, 507) },
    },
    handler: async (request) => {
      const { stream, group } = request.params;
      const claimed = await backend.claim(stream, group, request.body);
      return claimToWire(claimed, request.body.justId === true, request.query.fieldsFormat);
    },
  });

  app.post('/streams/:stream/groups/:group/autoclaim', {
    schema: {
      operationId: 'autoclaimMessages',
      summary: 'Scan the pending list and claim idle messages',
      tags: ['pending'],
      'x-redis-command': 'XAUTOCLAIM',
      params: groupParams,
      querystring: fieldsFormatQuery,
      body: autoclaimBody(appConfig.maxCount),
      response: { 200: autoclaimResultSchema.meta({ description: 'Claimed messages and the cursor for the next call' }), ...problemResponses(...BODY_ERRORS, 404, 409, 507) },
    },
    handler: async (request) => {
      const { stream, group } = request.params;
      const { count = XAUTOCLAIM_DEFAULT_COUNT, ...options } = request.body;
      const result = await backend.autoclaim(stream, group, { ...options, count });
      return autoclaimToWire(result, options.justId === true, request.query.fieldsFormat);
    },
  });
};
