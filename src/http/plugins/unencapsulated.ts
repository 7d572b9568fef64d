import type { FastifyPluginAsync, FastifyPluginOptions } from 'fastify';

/** What fastify-plugin does: the plugin's decorators and hooks belong to the parent context. */
export function unencapsulated<T extends FastifyPluginOptions>(name: string, plugin: FastifyPluginAsync<T>): FastifyPluginAsync<T> {
  Object.assign(plugin, { [Symbol.for('skip-override')]: true, [Symbol.for('fastify.display-name')]: name });
  return plugin;
}
