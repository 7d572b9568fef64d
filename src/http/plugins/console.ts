import { existsSync } from 'node:fs';
import { join } from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { packageRoot } from '../../package-info.js';
import { sendProblem } from '../error-handler.js';
import { makeProblem } from '../problem.js';

export interface ConsoleOptions {
  /** The built console: index.html and assets/. @defaultValue `<package root>/dist/console` (written by `npm run build`) */
  root?: string;
}

function defaultRoot(): string {
  return join(packageRoot(), 'dist', 'console');
}

const INDEX = 'index.html';

/**
 * The web console at `/ui`: every `/ui` and `/ui/<page>` path answers the page (the console routes
 * in the browser), files under `/ui/assets/`. Hidden from the OpenAPI document. Without a build, `/ui`
 * answers a problem that says how to make one.
 */
export async function consolePlugin(app: FastifyInstance, options: ConsoleOptions): Promise<void> {
  const root = options.root ?? defaultRoot();
  if (!existsSync(join(root, INDEX))) {
    const notBuilt = (_request: unknown, reply: FastifyReply) =>
      sendProblem(reply, makeProblem('NOT_FOUND', `the web console is not built on this server (no ${join(root, INDEX)}): run \`npm run build\`, then restart streamgate`));
    app.get('/ui', { schema: { hide: true } }, notBuilt);
    app.get('/ui/*', { schema: { hide: true } }, notBuilt);
    return;
  }
  await app.register(fastifyStatic, { root: join(root, 'assets'), prefix: '/ui/assets/', index: false });
  // The page is small and names its assets: always revalidated, so a new build shows at the next load.
  const page = (_request: unknown, reply: FastifyReply) => reply.header('cache-control', 'no-cache').sendFile(INDEX, root, { cacheControl: false });
  app.get('/ui', { schema: { hide: true } }, page);
  app.get('/ui/*', { schema: { hide: true } }, page);
}
