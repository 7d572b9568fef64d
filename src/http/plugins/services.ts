import type { StreamBackend } from '../../backends/contract.js';
import type { Config } from '../../config.js';
import { unencapsulated } from './unencapsulated.js';

declare module 'fastify' {
  interface FastifyInstance {
    backend: StreamBackend;
    appConfig: Config;
  }
}

export const servicesPlugin = unencapsulated<{ backend: StreamBackend; config: Config }>('streamgate-services', async (app, { backend, config }) => {
  app.decorate('backend', backend);
  app.decorate('appConfig', config);
});
