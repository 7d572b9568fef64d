import { constants, type Http2ServerRequest } from 'node:http2';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { streamError } from '../../domain/errors.js';
import { formatId, MAX_ID, MIN_ID, type StreamId } from '../../domain/ids.js';
import type { Entry } from '../../domain/types.js';
import { DEFAULT_WAIT_MS } from '../defaults.js';
import { sendProblem, toProblem } from '../error-handler.js';
import { IngestError, ingestNdjson, NdjsonBody, ndjsonPassing, registerNdjsonBody } from '../ingest/ndjson-ingest.js';
import { assertServing, waitSignal } from '../plugins/lifecycle.js';
import type { Problem } from '../problem.js';
import { noMessage, noStream, orNoStream } from '../missing.js';
import { sendMessageList } from '../reply.js';
import { appendBatchBody, appendBody, appendedBatchSchema, appendedSchema, duplicateSchema, ingestedSchema, parseBatchLine } from '../schemas/append.js';
import { fastValidatorCompiler } from '../schemas/fast-check.js';
import { headerIdempotency, idempotencyHeaders, idempotencyOf } from '../schemas/idempotency.js';
import { fieldsFormatQuery } from '../schemas/fields.js';
import { messageId, rangeEnd, rangeStart, readAfter } from '../schemas/ids.js';
import { messageListSchema, messageSchema } from '../schemas/message.js';
import { streamParams } from '../schemas/names.js';
import { booleanQuery, countQuery, nonNegative, waitMsQuery } from '../schemas/numbers.js';
import { BODY_ERRORS, problemResponses } from '../schemas/problem.js';
import { deleteMessagesBody, deletionResults } from '../schemas/refs.js';
import { formatIds } from '../wire/ids.js';
import { messageToWire } from '../wire/message.js';

const messageParams = streamParams.extend({ id: messageId });

/** An NDJSON chunk: at most this many messages (and MAX_BATCH) or this many characters of lines. */
const NDJSON_CHUNK_MESSAGES = 1_000;
const NDJSON_CHUNK_CHARS = 1024 * 1024;

function messageLocation(stream: string, id: string): string {
  return `/v1/streams/${encodeURIComponent(stream)}/messages/${id}`;
}

export const messageRoutes: FastifyPluginAsyncZod = async (app) => {
  const { backend, appConfig } = app;

  /** XREAD [BLOCK] of one existing stream; `$` is pinned by the backend when the wait begins. */
  async function readTail(stream: string, after: StreamId | '$', count: number, waitMs: number, signal: AbortSignal | undefined): Promise<Entry[]> {
    if (!(await backend.streamExists(stream))) throw noStream();
    const results = await backend.readStreams([{ key: stream, after }], count, { waitMs: Math.min(waitMs, appConfig.maxWaitMs), signal });
    return results[0]?.entries ?? [];
  }

  const ndjsonChunkMessages = Math.min(NDJSON_CHUNK_MESSAGES, appConfig.maxBatch);

  /** The NDJSON form of appendMessages (see its description). */
  async function ingest(request: FastifyRequest<{ Params: { stream: string } }>, reply: FastifyReply, body: NdjsonBody): Promise<FastifyReply> {
    const { stream } = request.params;
    try {
      if (request.headers['idempotency-key'] !== undefined) throw new IngestError(streamError('VALIDATION', 'idempotencyKeyNdjson'), { appended: 0, duplicates: 0 }, undefined);
      const done = await ingestNdjson(body.stream, {
        maxLineBytes: appConfig.bodyLimitBytes,
        chunkMessages: ndjsonChunkMessages,
        chunkChars: NDJSON_CHUNK_CHARS,
        parseLine: parseBatchLine,
        beforeChunk: () => assertServing(app),
        appendChunk: async (messages) => {
          if (!messages.some((m) => m.idempotency !== undefined)) return { ids: orNoStream(await backend.appendBatch(stream, messages, {})), duplicates: 0 };
          const results = orNoStream(await backend.appendBatchIdempotent(stream, messages, {}));
          return { ids: results.map((r) => r.id), duplicates: results.filter((r) => r.duplicate).length };
        },
      });
      const answer: z.output<typeof ingestedSchema> = { appended: done.appended, duplicates: done.duplicates, firstId: formatId(done.firstId!), lastId: formatId(done.lastId!) };
      // Not the JSON form's `{ids}` (the route's response schema): this answer is bounded whatever the number of lines.
      return reply.code(done.appended === 0 ? 200 : 201).send(answer);
    } catch (error) {
      if (!(error instanceof IngestError)) throw error;
      // The client went (or the request deadline cut it): there is no one to answer; the chunks written stay.
      if (request.raw.destroyed) {
        const { appended, duplicates } = error.progress;
        request.log.info({ err: error.cause, appended, duplicates }, 'NDJSON ingest ended by the connection');
        return reply.hijack();
      }
      const { problem, internal } = toProblem(error.cause, request);
      const { appended, duplicates, lastId } = error.progress;
      const extended = { ...problem, ...error.where, appended, duplicates, lastId: lastId === undefined ? null : formatId(lastId) };
      if (internal) request.log.error({ err: error.cause }, 'request failed');
      else request.log.info({ code: problem.code, status: problem.status, detail: problem.detail }, 'request rejected');
      if (!body.stream.readableEnded) {
        // HTTP/1.1: lines left unread would otherwise be read (and dropped) for keep-alive, however many there are.
        if (request.raw.httpVersionMajor < 2) reply.header('connection', 'close');
        // HTTP/2 (RFC 9113 8.1): after the complete answer, RST_STREAM NO_ERROR tells the client to stop sending.
        else {
          const h2 = (request.raw as unknown as Http2ServerRequest).stream;
          h2.once('finish', () => h2.close(constants.NGHTTP2_NO_ERROR));
        }
      }
      return sendProblem(reply, extended as Problem);
    }
  }

  app.post('/streams/:stream/messages', {
    schema: {
      operationId: 'appendMessage',
      summary: 'Append a message',
      tags: ['messages'],
      'x-redis-command': 'XADD',
      params: streamParams,
      headers: idempotencyHeaders,
      body: appendBody,
      response: {
        201: appendedSchema.meta({ description: 'Appended; `Location` names the message' }),
        200: duplicateSchema.meta({ description: 'A duplicate of an idempotent append: nothing appended, the original ID' }),
        ...problemResponses(...BODY_ERRORS, 404, 409, 422, 507),
      },
    },
    handler: async (request, reply) => {
      const { stream } = request.params;
      const idempotency = idempotencyOf(request.body.idempotency, request.headers, request.principal?.name);
      if (idempotency !== undefined) {
        const result = orNoStream(await backend.appendIdempotent(stream, { ...request.body, idempotency }));
        const id = formatId(result.id);
        if (result.duplicate) return reply.code(200).header('location', messageLocation(stream, id)).send({ id, duplicate: true as const });
        return reply.code(201).header('location', messageLocation(stream, id)).send({ id });
      }
      const id = formatId(orNoStream(await backend.append(stream, request.body)));
      return reply.code(201).header('location', messageLocation(stream, id)).send({ id });
    },
  });

  // Its own context: the NDJSON parser serves this route only.
  await app.register(async (scope: typeof app) => {
    registerNdjsonBody(scope);
    scope.setValidatorCompiler(ndjsonPassing(fastValidatorCompiler));
    scope.post('/streams/:stream/messages/batch', {
      schema: {
        operationId: 'appendMessages',
        summary: 'Append several messages: JSON all or none, NDJSON chunk by chunk',
        tags: ['messages'],
        'x-redis-command': 'XADD',
        'x-ndjson-body': 'One message per line, shaped as an item of the JSON form\'s `messages` (see x-line-schema); empty lines skipped; LF or CRLF.',
        description:
          'With the `Idempotency-Key` header, the batch is one unit under that key: a retry with the same messages answers 200 with the ' +
          'first IDs (every `duplicate` true) and appends nothing; the same key with other messages is 422 `IDEMPOTENCY_KEY_REUSED`.\n\n' +
          'With `content-type: application/x-ndjson` the body is one message per line (an item of `messages`; empty lines skipped), read as it ' +
          'arrives, with no size cap but BODY_LIMIT_BYTES per line. Lines are appended in chunks of up to 1,000 messages (MAX_BATCH if lower) or ' +
          '1 MiB of lines, each chunk all or none, in order. The first bad line (or a chunk the stream refuses) stops the request: the chunks ' +
          "before it stay appended, and the problem has the extension members `line` (or `lines`, the refused chunk's first and last), " +
          '`appended`, `duplicates` and `lastId` (null when nothing was written). Success answers 201 (200 when every line was a duplicate) ' +
          '`{appended, duplicates, firstId, lastId}`, not every ID. No `noMkStream`, `trim` or `Idempotency-Key` in this form.',
        params: streamParams,
        headers: idempotencyHeaders,
        body: appendBatchBody(appConfig.maxBatch),
        response: {
          201: appendedBatchSchema.meta({ description: 'All appended (duplicates of idempotent ones excepted), IDs in order' }),
          200: appendedBatchSchema.meta({ description: 'Every message was a duplicate of an idempotent append (or the batch a retry of its Idempotency-Key): nothing appended' }),
          ...problemResponses(...BODY_ERRORS, 404, 409, 422, 507),
        },
      },
      handler: async (request, reply) => {
        const body: unknown = request.body;
        if (body instanceof NdjsonBody) return ingest(request, reply, body);
        const { messages, noMkStream, trim } = request.body;
        const key = request.headers['idempotency-key'];
        if (key !== undefined || messages.some((m) => m.idempotency !== undefined)) {
          const idempotency = key === undefined ? undefined : headerIdempotency(key, request.headers, request.principal?.name);
          if (idempotency !== undefined && messages.some((m) => m.idempotency !== undefined)) throw streamError('VALIDATION', 'idempotencyTwice');
          const results = orNoStream(await backend.appendBatchIdempotent(request.params.stream, messages, { noMkStream, trim, idempotency }));
          const duplicate = results.map((r) => r.duplicate);
          return reply.code(duplicate.every(Boolean) ? 200 : 201).send({ ids: formatIds(results.map((r) => r.id)), duplicate });
        }
        const ids = orNoStream(await backend.appendBatch(request.params.stream, messages, { noMkStream, trim }));
        return reply.code(201).send({ ids: formatIds(ids) });
      },
    });
  });

  app.get('/streams/:stream/messages', {
    schema: {
      operationId: 'listMessages',
      summary: 'Range of messages, or (with after) a tail read that can wait',
      description:
        'Without `after`: XRANGE from `start` (low bound) to `end` (high bound); `reverse=true` lists newest first (XREVRANGE). ' +
        'With `after`: XREAD of the entries after that ID (`$`: only new ones, pinned when the wait begins), waiting up to `waitMs`.',
      tags: ['messages'],
      'x-redis-command': 'XRANGE / XREVRANGE / XREAD',
      params: streamParams,
      querystring: fieldsFormatQuery
        .extend({
          start: rangeStart.optional(),
          end: rangeEnd.optional(),
          reverse: booleanQuery('XREVRANGE: newest first; `start` stays the low bound.'),
          count: countQuery(appConfig.maxCount, appConfig.maxCount),
          after: readAfter.optional(),
          waitMs: waitMsQuery(appConfig.maxWaitMs),
        })
        .superRefine((query, ctx) => {
          const ranged = ['start', 'end', 'reverse'].filter((key) => query[key as 'start' | 'end' | 'reverse'] !== undefined);
          if (query.after !== undefined && ranged.length > 0) ctx.addIssue({ code: 'custom', path: [ranged[0]!], message: 'cannot be combined with after' });
          if (query.after === undefined && query.waitMs !== undefined) ctx.addIssue({ code: 'custom', path: ['waitMs'], message: 'needs after' });
        }),
      response: { 200: messageListSchema.meta({ description: 'Messages; empty when a wait timed out' }), ...problemResponses(400, 404) },
    },
    handler: async (request, reply) => {
      const { stream } = request.params;
      const { start, end, reverse, count = appConfig.maxCount, after, waitMs = DEFAULT_WAIT_MS, fieldsFormat } = request.query;
      if (after !== undefined) {
        const signal = waitMs > 0 ? waitSignal(reply, app.shutdownSignal) : undefined;
        return sendMessageList(reply, await readTail(stream, after, count, waitMs, signal), fieldsFormat);
      }
      const range = { start: start ?? { id: MIN_ID, exclusive: false }, end: end ?? { id: MAX_ID, exclusive: false }, count, reverse };
      return sendMessageList(reply, orNoStream(await backend.range(stream, range)), fieldsFormat);
    },
  });

  app.get('/streams/:stream/messages/:id', {
    schema: {
      operationId: 'getMessage',
      summary: 'One message',
      tags: ['messages'],
      'x-redis-command': 'XRANGE',
      params: messageParams,
      querystring: fieldsFormatQuery,
      response: { 200: messageSchema.meta({ description: 'The message' }), ...problemResponses(400, 404) },
    },
    handler: async (request) => {
      const { stream, id } = request.params;
      const bound = { id, exclusive: false };
      const [entry] = orNoStream(await backend.range(stream, { start: bound, end: bound, count: 1 }));
      if (entry === undefined) throw noMessage(id);
      return messageToWire(entry, request.query.fieldsFormat);
    },
  });

  app.delete('/streams/:stream/messages/:id', {
    schema: {
      operationId: 'deleteMessage',
      summary: 'Delete one message',
      tags: ['messages'],
      'x-redis-command': 'XDEL',
      params: messageParams,
      response: { 204: z.undefined().meta({ description: 'Deleted' }), ...problemResponses(400, 404) },
    },
    handler: async (request, reply) => {
      const { stream, id } = request.params;
      if ((await backend.deleteEntries(stream, [id])) === 0) throw (await backend.streamExists(stream)) ? noMessage(id) : noStream();
      return reply.code(204).send();
    },
  });

  app.post('/streams/:stream/messages/delete', {
    schema: {
      operationId: 'deleteMessages',
      summary: 'Delete messages by ID',
      description:
        'XDEL; with `refs`, XDELEX (Redis 8.2): `results` has one string per ID, and a missing stream answers every ID `notFound` rather than 404.',
      tags: ['messages'],
      'x-redis-command': 'XDEL, XDELEX',
      params: streamParams,
      body: deleteMessagesBody(appConfig.maxBatch),
      response: {
        200: z
          .object({
            deleted: nonNegative().meta({ description: 'How many of the IDs existed and were deleted.' }),
            results: deletionResults.optional().meta({ description: 'With `refs` only.' }),
          })
          .meta({ description: 'Deleted' }),
        ...problemResponses(...BODY_ERRORS, 404),
      },
    },
    handler: async (request) => {
      const { stream } = request.params;
      const { ids, refs } = request.body;
      if (refs !== undefined) {
        const results = await backend.deleteEntriesWithRefs(stream, ids, refs);
        return { deleted: results.filter((r) => r === 'deleted').length, results };
      }
      const deleted = await backend.deleteEntries(stream, ids);
      if (deleted === 0 && !(await backend.streamExists(stream))) throw noStream();
      return { deleted };
    },
  });
};
