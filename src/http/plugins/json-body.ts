import type { FastifyInstance } from 'fastify';

/**
 * JSON bodies as fastify parses them (prototype poisoning refused), except
 * that an empty body counts as no body: clients that always send
 * `content-type: application/json` can still PUT, DELETE or read without one.
 */
export function registerJsonBody(app: FastifyInstance): void {
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    const text = body.toString();
    if (text.trim() === '') return done(null, undefined);
    return parseJson(request, text, done);
  });
}
