import { SseHub } from '../sse/sse-channel.js';
import { unencapsulated } from './unencapsulated.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** Every open event stream of this app: heartbeats, shutdown, and their count for /metrics. */
    sseHub: SseHub;
  }
}

export const sseHubPlugin = unencapsulated('streamgate-sse-hub', async (app) => {
  const hub = new SseHub({ retryMs: app.appConfig.sseRetryMs, heartbeatMs: app.appConfig.sseHeartbeatMs });
  app.decorate('sseHub', hub);
  app.addHook('preClose', async () => hub.shutdown());
});
