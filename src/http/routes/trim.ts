import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { orNoStream } from '../missing.js';
import { streamParams } from '../schemas/names.js';
import { nonNegative } from '../schemas/numbers.js';
import { BODY_ERRORS, problemResponses } from '../schemas/problem.js';
import { trimInput } from '../schemas/trim.js';

export const trimRoutes: FastifyPluginAsyncZod = async (app) => {
  const { backend } = app;

  app.post('/streams/:stream/trim', {
    schema: {
      operationId: 'trimStream',
      summary: 'Trim by length or minimum ID',
      tags: ['messages'],
      'x-redis-command': 'XTRIM',
      params: streamParams,
      body: trimInput,
      response: {
        200: z.object({ trimmed: nonNegative().meta({ description: 'Entries removed.' }) }).meta({ description: 'Trimmed' }),
        ...problemResponses(...BODY_ERRORS, 404),
      },
    },
    handler: async (request) => ({ trimmed: orNoStream(await backend.trim(request.params.stream, request.body)) }),
  });
};
