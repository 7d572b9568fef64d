import type { FastifyInstance } from 'fastify';

/**
 * Whether secure-json-parse (behind fastify's JSON parser) would hand back
 * JSON.parse's result untouched: it only inspects texts where a `__proto__` or
 * `constructor` key can appear (literally or with \u escapes) and strips a
 * leading byte-order mark. Skipping its two regular-expression scans for the
 * other texts saves about a quarter of the parse of a small body.
 */
function cannotBePoisoned(text: string): boolean {
  return text.charCodeAt(0) !== 0xfeff && !text.includes('\\u') && !text.includes('__proto__') && !text.includes('constructor');
}

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
    if (!cannotBePoisoned(text)) return parseJson(request, text, done);
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      // fastify's parser words the error.
      return parseJson(request, text, done);
    }
    return done(null, value);
  });
}
