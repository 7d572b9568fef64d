import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { validateDeliveryPolicy } from '../../domain/delivery-policy.js';
import { streamError } from '../../domain/errors.js';
import { DEFAULT_GROUP_START } from '../defaults.js';
import { orNoStream } from '../missing.js';
import { createGroupBody, groupListSchema, groupSchema, setGroupIdBody } from '../schemas/group.js';
import { groupParams, streamParams } from '../schemas/names.js';
import { BODY_ERRORS, problemResponses } from '../schemas/problem.js';
import { groupToWire } from '../wire/group.js';

function groupLocation(stream: string, group: string): string {
  return `/v1/streams/${encodeURIComponent(stream)}/groups/${encodeURIComponent(group)}`;
}

export const groupRoutes: FastifyPluginAsyncZod = async (app) => {
  const { backend } = app;

  app.post('/streams/:stream/groups', {
    schema: {
      operationId: 'createGroup',
      summary: 'Create a consumer group',
      tags: ['groups'],
      'x-redis-command': 'XGROUP CREATE',
      params: streamParams,
      body: createGroupBody,
      response: { 201: groupSchema.meta({ description: 'Created; `Location` names the group' }), ...problemResponses(...BODY_ERRORS, 404, 409, 507) },
    },
    handler: async (request, reply) => {
      const { stream } = request.params;
      const { name, startId = DEFAULT_GROUP_START, mkStream, entriesRead } = request.body;
      const policy = request.body.policy === undefined ? null : validateDeliveryPolicy(stream, request.body.policy);
      const group = await backend.createGroup(stream, name, policy === null ? { startId, mkStream, entriesRead } : { startId, mkStream, entriesRead, policy });
      return reply.code(201).header('location', groupLocation(stream, name)).send(groupToWire(group));
    },
  });

  app.get('/streams/:stream/groups', {
    schema: {
      operationId: 'listGroups',
      summary: "List the stream's consumer groups",
      tags: ['groups'],
      'x-redis-command': 'XINFO GROUPS',
      params: streamParams,
      response: { 200: groupListSchema.meta({ description: 'The groups' }), ...problemResponses(400, 404) },
    },
    handler: async (request) => ({ groups: orNoStream(await backend.groups(request.params.stream)).map(groupToWire) }),
  });

  app.get('/streams/:stream/groups/:group', {
    schema: {
      operationId: 'getGroup',
      summary: 'One consumer group',
      tags: ['groups'],
      'x-redis-command': 'XINFO GROUPS',
      params: groupParams,
      response: { 200: groupSchema.meta({ description: 'The group' }), ...problemResponses(400, 404) },
    },
    handler: async (request) => {
      const { stream, group } = request.params;
      const found = orNoStream(await backend.groups(stream)).find((g) => g.name === group);
      if (found === undefined) throw streamError('NOGROUP', 'keyOrGroup', stream, group);
      return groupToWire(found);
    },
  });

  app.patch('/streams/:stream/groups/:group', {
    schema: {
      operationId: 'setGroupId',
      summary: "Move the group's last-delivered ID and/or change its delivery policy",
      description:
        'XGROUP SETID with `lastDeliveredId`; `policy` sets, replaces or (with `null`) removes the delivery policy. ' +
        'Given together, both change in one step, or neither.',
      tags: ['groups'],
      'x-redis-command': 'XGROUP SETID',
      params: groupParams,
      body: setGroupIdBody,
      response: { 200: groupSchema.meta({ description: 'The group as it is now' }), ...problemResponses(...BODY_ERRORS, 404) },
    },
    handler: async (request) => {
      const { stream, group } = request.params;
      const { lastDeliveredId, entriesRead } = request.body;
      const setId = lastDeliveredId === undefined ? undefined : { lastId: lastDeliveredId, entriesRead };
      if (request.body.policy === undefined) return groupToWire(await backend.setGroupId(stream, group, setId!));
      const policy = request.body.policy === null ? null : validateDeliveryPolicy(stream, request.body.policy);
      return groupToWire(await backend.updateGroup(stream, group, setId === undefined ? { policy } : { setId, policy }));
    },
  });

  app.delete('/streams/:stream/groups/:group', {
    schema: {
      operationId: 'deleteGroup',
      summary: 'Destroy a consumer group',
      tags: ['groups'],
      'x-redis-command': 'XGROUP DESTROY',
      params: groupParams,
      response: { 204: z.undefined().meta({ description: 'Destroyed' }), ...problemResponses(400, 404) },
    },
    handler: async (request, reply) => {
      const { stream, group } = request.params;
      if (!(await backend.destroyGroup(stream, group))) throw streamError('NOGROUP', 'keyOrGroup', stream, group);
      return reply.code(204).send();
    },
  });
};
