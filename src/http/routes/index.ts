import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { assertServing } from '../plugins/lifecycle.js';
import { consumerRoutes } from './consumers.js';
import { eventRoutes } from './events.js';
import { groupRoutes } from './groups.js';
import { messageRoutes } from './messages.js';
import { multiStreamRoutes } from './multi-stream.js';
import { pendingRoutes } from './pending.js';
import { policyRoutes } from './policies.js';
import { streamRoutes } from './streams.js';
import { trimRoutes } from './trim.js';

/** The v1 resources, one plugin per area; a new area (such as SSE) is one more line. */
export const V1_ROUTES = [streamRoutes, messageRoutes, trimRoutes, groupRoutes, consumerRoutes, pendingRoutes, policyRoutes, eventRoutes, multiStreamRoutes];

export const apiRoutes: FastifyPluginAsyncZod = async (app) => {
  app.addHook('onRequest', (_request, _reply, done) => {
    try {
      assertServing(app);
      done();
    } catch (err) {
      done(err as Error);
    }
  });
  for (const routes of V1_ROUTES) await app.register(routes);
};
