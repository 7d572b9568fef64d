import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { groupParams, streamParams } from '../schemas/names.js';
import { extendBody, extendResultSchema, redriveBody, redriveResultSchema } from '../schemas/policy.js';
import { BODY_ERRORS, problemResponses } from '../schemas/problem.js';

/** Dead letters moved back by a redrive without `count`. */
export const DEFAULT_REDRIVE_COUNT = 100;

/** The delivery-policy routes of their own (streamgate's; no Redis command): extend and redrive. */
export const policyRoutes: FastifyPluginAsyncZod = async (app) => {
  const { backend, appConfig } = app;

  app.post('/streams/:stream/groups/:group/extend', {
    schema: {
      operationId: 'extendDeadlines',
      summary: 'Move the ack deadline of pending messages',
      description:
        "In a group whose delivery policy has `ackDeadlineMs`: the pending messages among `ids` that a consumer holds are due `ms` from now instead " +
        "(as Pub/Sub's modifyAckDeadline and SQS's ChangeMessageVisibility); their owner, delivery count and delivery time stay. " +
        'A worker that needs longer calls it before its deadline. 409 NO_DELIVERY_POLICY when the group has no `ackDeadlineMs`.',
      tags: ['pending'],
      'x-redis-command': 'None (streamgate delivery policy)',
      params: groupParams,
      body: extendBody(appConfig.maxBatch),
      response: { 200: extendResultSchema.meta({ description: 'Extended' }), ...problemResponses(...BODY_ERRORS, 404, 409) },
    },
    handler: async (request) => {
      const { stream, group } = request.params;
      return backend.extendDeadline(stream, group, request.body.ids, request.body.ms);
    },
  });

  app.post('/streams/:stream/redrive', {
    schema: {
      operationId: 'redriveDeadLetters',
      summary: 'Move dead letters back to the streams they came from',
      description:
        'On a dead-letter stream: up to `count` of its oldest dead letters are appended again to the streams they came from (new IDs, ' +
        'the original fields without the `streamgate-*` origin fields) and deleted here, each move in one step. Entries without the origin ' +
        'fields, or whose stream no longer exists, stay (at most `count` * 10 entries are looked at). A missing stream answers 0.',
      tags: ['groups'],
      'x-redis-command': 'XADD + XDEL (streamgate delivery policy)',
      params: streamParams,
      body: redriveBody(appConfig.maxCount, DEFAULT_REDRIVE_COUNT),
      response: { 200: redriveResultSchema.meta({ description: 'Redriven' }), ...problemResponses(...BODY_ERRORS, 507) },
    },
    handler: async (request) => ({ redriven: await backend.redrive(request.params.stream, request.body.count ?? DEFAULT_REDRIVE_COUNT) }),
  });
};
