import type { FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { StreamBackend } from '../../backends/contract.js';
import { streamError } from '../../domain/errors.js';
import { MIN_ID, parseId, type StreamId } from '../../domain/ids.js';
import type { Delivery, Entry, StreamInfo } from '../../domain/types.js';
import { DEFAULT_SSE_ACK, DEFAULT_SSE_COUNT, DEFAULT_SSE_MAX_IN_FLIGHT, DEFAULT_WAIT_MS } from '../defaults.js';
import { noStream, noStreamOrGroup } from '../missing.js';
import { waitSignal } from '../plugins/lifecycle.js';
import { sendJsonText } from '../reply.js';
import { fieldsFormatQuery } from '../schemas/fields.js';
import { aftersQuery, groupConsumerParams, multiMessageListSchema, multiReadBody, multiReadGroupBody, streamsQuery } from '../schemas/multi-read.js';
import { countQuery, queryInteger } from '../schemas/numbers.js';
import { BODY_ERRORS, problemResponses } from '../schemas/problem.js';
import { eventStreamErrorHandler, lastEventIdHeader, lastEventIdOf, lastEventIdQuery, noticeResumeAhead, runLoop } from '../sse/event-stream.js';
import type { SseChannel } from '../sse/sse-channel.js';
import type { FieldsFormat } from '../wire/fields.js';
import { idFormatter } from '../wire/ids.js';
import { messageJson, messageListJson } from '../wire/message-json.js';

/*
 * One connection for many streams: Redis's multi-key XREAD and XREADGROUP
 * over HTTP. Stream names travel as a list (a body array, or `stream=`
 * repeated), never joined by a separator, so any UTF-8 name works.
 *
 * The `id:` of a multi-stream event is a JSON object of every stream's
 * position after that event (`{"orders":"5-0","audit":"7-1"}`): an
 * EventSource keeps only the last event's ID, so it must carry them all for
 * one Last-Event-ID to resume every stream. It is written in ASCII
 * (`\\uXXXX` escapes) since it comes back as a header.
 */

/** How long one blocked read of an SSE loop waits before it loops (the channel's abort ends it sooner). */
const SSE_READ_WAIT_MS = 5 * 60_000;

const MULTI_EVENT_STREAM = {
  description:
    '`text/event-stream`: one `message` event per entry, its `data:` the message JSON with `stream` added, its `id:` a JSON object of every stream\'s position after it ' +
    '(`{"<stream>":"<id>",...}`, the `MultiStreamEventId` schema), which as `Last-Event-ID` or `lastEventId` resumes every stream. ' +
    'Also `: keep-alive` comments, `notice` events (a Last-Event-ID above a stream\'s last ID), and a last `problem` or `shutdown` event after a `retry:` hint.',
  content: { 'text/event-stream': { schema: { type: 'string' } } },
};

export const multiStreamRoutes: FastifyPluginAsyncZod = async (app) => {
  const { backend, appConfig } = app;
  const hub = app.sseHub;
  const errorHandler = eventStreamErrorHandler(hub);

  app.post('/read', {
    schema: {
      operationId: 'readStreams',
      summary: 'Read several streams at once, waiting for any',
      description:
        'XREAD of several streams in one call: the entries after each stream\'s ID (`$`: only new ones, pinned when the wait begins), `count` at most per stream, ' +
        'waiting up to `waitMs` until any has something. Every stream must exist (404 `NO_STREAM` naming none of them otherwise, as the single-stream reads).',
      tags: ['messages'],
      'x-redis-command': 'XREAD STREAMS key ... id ...',
      querystring: fieldsFormatQuery,
      body: multiReadBody(appConfig.maxCount, appConfig.maxWaitMs),
      response: { 200: multiMessageListSchema.meta({ description: 'The streams with entries; empty when a wait timed out' }), ...problemResponses(...BODY_ERRORS, 404) },
    },
    handler: async (request, reply) => {
      const { streams, waitMs = DEFAULT_WAIT_MS, maxCount, maxBytes } = request.body;
      const count = defaultCount(request.body.count, maxCount, appConfig.maxCount);
      await requireStreams(backend, streams.map((s) => s.stream));
      const signal = waitMs > 0 ? waitSignal(reply, app.shutdownSignal) : undefined;
      const keys = streams.map((s) => ({ key: s.stream, after: s.after }));
      const wait = { waitMs: Math.min(waitMs, appConfig.maxWaitMs), signal };
      const results = await (maxCount === undefined && maxBytes === undefined
        ? backend.readStreams(keys, count, wait)
        : backend.readStreams(keys, count, wait, { maxCount, maxBytes }));
      return sendJsonText(reply, multiListJson(results, request.query.fieldsFormat));
    },
  });

  app.post('/groups/:group/consumers/:consumer/read', {
    schema: {
      operationId: 'readGroupStreams',
      summary: 'Read as this consumer from several streams at once',
      description:
        'XREADGROUP of several streams with one group name and one consumer name, as Redis does (the group must exist on each). ' +
        "Per stream: `>` for new entries, an ID for this consumer's pending history after it. Waits up to `waitMs` only when every stream reads `>`. " +
        'A stream with `ack` has those IDs acknowledged (XACK) before the read, in the same request and log write.',
      tags: ['consumers'],
      'x-redis-command': 'XREADGROUP GROUP g c STREAMS key ... id ...',
      params: groupConsumerParams,
      querystring: fieldsFormatQuery,
      body: multiReadGroupBody(appConfig.maxCount, appConfig.maxWaitMs, appConfig.maxBatch),
      response: { 200: multiMessageListSchema.meta({ description: 'The streams with deliveries; empty when a wait timed out' }), ...problemResponses(...BODY_ERRORS, 404, 409, 507) },
    },
    handler: async (request, reply) => {
      const { group, consumer } = request.params;
      const { streams, waitMs = DEFAULT_WAIT_MS, noAck, maxCount, maxBytes } = request.body;
      const count = defaultCount(request.body.count, maxCount, appConfig.maxCount);
      const signal = waitMs > 0 ? waitSignal(reply, app.shutdownSignal) : undefined;
      const keys = streams.map((s) => ({ key: s.stream, from: s.after }));
      const read = maxCount === undefined && maxBytes === undefined ? { group, consumer, streams: keys, count, noAck } : { group, consumer, streams: keys, count, noAck, maxCount, maxBytes };
      const wait = { waitMs: Math.min(waitMs, appConfig.maxWaitMs), signal };
      const acks = streams.flatMap((s) => (s.ack === undefined ? [] : [{ key: s.stream, ids: s.ack }]));
      if (acks.length === 0) return sendJsonText(reply, multiListJson(await backend.readGroup(read, wait), request.query.fieldsFormat));
      const { acknowledged, results } = await backend.ackAndReadGroup(acks, read, wait);
      const json = multiListJson(results, request.query.fieldsFormat);
      const counts = acks.map((a, i) => `${JSON.stringify(a.key)}:${acknowledged[i]!}`).join(',');
      return sendJsonText(reply, `${json.slice(0, -1)},"acknowledged":{${counts}}}`);
    },
  });

  app.get('/events', {
    errorHandler,
    schema: {
      operationId: 'multiStreamEvents',
      summary: 'Server-Sent Events: the tails of several streams over one connection',
      description:
        'An XREAD BLOCK loop of several streams as one event stream: `stream=` repeated names them, `after=` repeated (same order) says where each starts (default `$`). ' +
        'A browser has six connections per origin over HTTP/1.1: one of these follows up to 100 streams.',
      tags: ['events'],
      'x-redis-command': 'XREAD BLOCK STREAMS key ... id ...',
      headers: lastEventIdHeader,
      querystring: fieldsFormatQuery.extend({
        stream: streamsQuery,
        after: aftersQuery,
        count: countQuery(appConfig.maxCount, DEFAULT_SSE_COUNT),
        ...lastEventIdQuery,
      }),
      response: { 200: z.string().meta(MULTI_EVENT_STREAM), ...problemResponses(400, 404) },
    },
    handler: async (request, reply) => {
      const { stream: names, after = [], count = DEFAULT_SSE_COUNT, fieldsFormat } = request.query;
      if (after.length > 0 && after.length !== names.length) throw streamError('VALIDATION', 'invalid', `query.after: give one per stream= (${names.length}), or none`);
      const resume = resumeCursor(request, names);
      const infos = await requireStreams(backend, names);
      const cursor = new MultiCursor(names.map((name, i) => {
        const start = after[i] ?? '$';
        return resume.get(name) ?? (start === '$' ? infos[i]!.lastGeneratedId : start);
      }), names);
      const channel = hub.open(reply);
      names.forEach((name, i) => {
        const from = resume.get(name);
        if (from !== undefined) noticeResumeAhead(channel, name, from, infos[i]!.lastGeneratedId);
      });
      void runLoop(channel, request, async () => {
        const results = await backend.readStreams(
          names.map((key, i) => ({ key, after: cursor.positions[i]! })),
          count,
          { waitMs: SSE_READ_WAIT_MS, signal: channel.signal },
        );
        sendMulti(channel, cursor, results, fieldsFormat);
      });
    },
  });

  app.get('/groups/:group/consumers/:consumer/events', {
    errorHandler,
    schema: {
      operationId: 'multiGroupEvents',
      summary: 'Server-Sent Events: a consumer of the group on several streams over one connection',
      description:
        'An XREADGROUP BLOCK loop of several streams (`stream=` repeated) with one group and consumer, as one event stream. ' +
        "Each stream's pending entries of this consumer come first (history from `0`, or after that stream's position in `Last-Event-ID`), then new ones. " +
        '`maxInFlight` holds per stream: a stream whose consumer holds that many unacknowledged entries gets nothing new until some are acknowledged, while the others go on.',
      tags: ['events'],
      'x-redis-command': 'XREADGROUP BLOCK STREAMS key ... >',
      params: groupConsumerParams,
      headers: lastEventIdHeader,
      querystring: fieldsFormatQuery.extend({
        stream: streamsQuery,
        count: countQuery(appConfig.maxCount, DEFAULT_SSE_COUNT),
        maxInFlight: queryInteger(1, appConfig.maxCount, `Most unacknowledged entries held at once per stream (ack=manual); default ${DEFAULT_SSE_MAX_IN_FLIGHT}.`).optional(),
        ack: z.enum(['manual', 'auto']).default(DEFAULT_SSE_ACK).meta({ description: '`manual`: acknowledge with `acks` (per stream); `auto`: NOACK, at-most-once.' }),
        ...lastEventIdQuery,
      }),
      response: { 200: z.string().meta(MULTI_EVENT_STREAM), ...problemResponses(400, 404) },
    },
    handler: async (request, reply) => {
      const { group, consumer } = request.params;
      const { stream: names, count = DEFAULT_SSE_COUNT, maxInFlight = DEFAULT_SSE_MAX_IN_FLIGHT, ack, fieldsFormat } = request.query;
      const resume = resumeCursor(request, names);
      const infos = await Promise.all(names.map((name) => requireGroup(backend, name, group)));
      const noAck = ack === 'auto';
      const cursor = new MultiCursor(names.map((name) => resume.get(name) ?? MIN_ID), names);
      // Streams still replaying this consumer's pending entries, from their position.
      const history = new Set(noAck ? [] : names.map((_, i) => i));
      const channel = hub.open(reply);
      names.forEach((name, i) => {
        const from = resume.get(name);
        if (from !== undefined) noticeResumeAhead(channel, name, from, infos[i]!.lastGeneratedId);
      });
      void runLoop(channel, request, async () => {
        if (history.size > 0) {
          const replaying = [...history];
          const replay = await backend.readGroup({ group, consumer, streams: replaying.map((i) => ({ key: names[i]!, from: cursor.positions[i]! })), count }, { waitMs: 0 });
          for (const i of replaying) if (!replay.some((r) => r.key === names[i] && r.entries.length > 0)) history.delete(i);
          sendMulti(channel, cursor, replay, fieldsFormat);
          return;
        }
        let room = count;
        let open = names.map((_, i) => i);
        let full: number[] = [];
        if (!noAck) {
          const inFlight = await Promise.all(names.map((name) => backend.pendingBelow(name, group, consumer, maxInFlight, { waitMs: 0 })));
          open = open.filter((i) => inFlight[i]! < maxInFlight);
          full = names.map((_, i) => i).filter((i) => inFlight[i]! >= maxInFlight);
          for (const i of open) room = Math.min(room, maxInFlight - inFlight[i]!);
        }
        // A full stream's acks (through any client) end the wait, so it joins the next read.
        const woken = new AbortController();
        const signal = AbortSignal.any([channel.signal, woken.signal]);
        const roomMade = full.map((i) => backend.pendingBelow(names[i]!, group, consumer, maxInFlight, { waitMs: SSE_READ_WAIT_MS, signal }));
        for (const made of roomMade) made.then(() => woken.abort(), () => woken.abort());
        try {
          if (open.length === 0) {
            await Promise.race(roomMade);
            return;
          }
          if (!channel.writable) return;
          const results = await backend.readGroup(
            { group, consumer, streams: open.map((i) => ({ key: names[i]!, from: '>' as const })), count: room, noAck },
            { waitMs: SSE_READ_WAIT_MS, signal },
          );
          sendMulti(channel, cursor, results, fieldsFormat);
        } finally {
          woken.abort();
          // A stream or group gone shows in the next step's reads; these waits only wake.
          await Promise.allSettled(roomMade);
        }
      });
    },
  });
};

/**
 * The operations whose streams are named in the query or body rather than the
 * path, with the access each needs on every one of them (`read` for the tails,
 * `consume` for the group reads, as their single-stream routes).
 */
/** Every stream's XINFO STREAM, in order. NO_STREAM when one is missing. */
async function requireStreams(backend: StreamBackend, names: readonly string[]): Promise<StreamInfo[]> {
  const infos = await Promise.all(names.map((name) => backend.streamInfo(name)));
  return infos.map((info) => {
    if (info === null) throw noStream();
    return info;
  });
}

async function requireGroup(backend: StreamBackend, stream: string, group: string): Promise<StreamInfo> {
  const [info, found] = await Promise.all([backend.streamInfo(stream), backend.group(stream, group)]);
  if (info === null || found === null) throw await noStreamOrGroup(backend, stream, group);
  return info;
}

/**
 * A multi-stream Last-Event-ID (header, else `lastEventId`): the JSON object
 * this route sent as `id:`. Streams it does not name start as if it were
 * absent; names the request does not follow are ignored (a page may follow
 * fewer streams after a reload). INVALID_ID when it is not such an object.
 */
function resumeCursor(request: FastifyRequest, names: readonly string[]): Map<string, StreamId> {
  const resume = new Map<string, StreamId>();
  const text = lastEventIdOf(request);
  if (text === undefined) return resume;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw streamError('INVALID_ID', 'lastEventId', text);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw streamError('INVALID_ID', 'lastEventId', text);
  const wanted = new Set(names);
  for (const [name, value] of Object.entries(parsed)) {
    const id = typeof value === 'string' ? parseId(value) : undefined;
    if (id === undefined) throw streamError('INVALID_ID', 'lastEventId', text);
    if (wanted.has(name)) resume.set(name, id);
  }
  return resume;
}

/** Every stream's position: the last ID sent (or where it starts), written as the `id:` of each event. */
class MultiCursor {
  private readonly formatId = idFormatter();
  /** Each stream's `"name":` once, for the `id:` text. */
  private readonly keys: string[];
  private readonly ids: string[];
  private readonly indexByName = new Map<string, number>();

  constructor(readonly positions: StreamId[], names: readonly string[]) {
    this.keys = names.map((name) => `${asciiJson(name)}:`);
    this.ids = positions.map((id) => `"${this.formatId(id)}"`);
    names.forEach((name, i) => this.indexByName.set(name, i));
  }

  index(name: string): number {
    return this.indexByName.get(name)!;
  }

  /** Moves stream `i` to `id` and answers the `id:` text with every position. */
  advance(i: number, id: StreamId, formatted: string): string {
    this.positions[i] = id;
    this.ids[i] = `"${formatted}"`;
    let text = '{';
    for (let k = 0; k < this.keys.length; k++) text += `${k === 0 ? '' : ','}${this.keys[k]}${this.ids[k]}`;
    return `${text}}`;
  }
}

/**
 * A JSON string in ASCII: an EventSource sends the ID back as a header, and
 * headers are bytes read as Latin-1, so non-ASCII is written as `\\uXXXX`.
 */
function asciiJson(text: string): string {
  return JSON.stringify(text).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

function sendMulti(channel: SseChannel, cursor: MultiCursor, results: readonly { key: string; entries: readonly (Entry | Delivery)[] }[], format: FieldsFormat): void {
  const formatId = idFormatter();
  let text = '';
  for (const { key, entries } of results) {
    const i = cursor.index(key);
    const streamJson = JSON.stringify(key);
    for (const entry of entries) {
      const id = formatId(entry.id);
      const eventId = cursor.advance(i, entry.id, id);
      text += `id: ${eventId}\nevent: message\ndata: {"stream":${streamJson},${messageJson(entry, id, format).slice(1)}\n\n`;
    }
  }
  if (text !== '') channel.sendEncoded(Buffer.from(text));
}

/** `{"streams":[{"stream":..., "messages":[...]}]}`, the streams with entries in the order read. */
function multiListJson(results: readonly { key: string; entries: readonly (Entry | Delivery)[] }[], format: FieldsFormat): string {
  let json = '{"streams":[';
  let first = true;
  for (const { key, entries } of results) {
    if (entries.length === 0) continue;
    json += `${first ? '' : ','}{"stream":${JSON.stringify(key)},${messageListJson(entries, format).slice(1)}`;
    first = false;
  }
  return `${json}]}`;
}

/** Without `count`, the server's cap, lowered to maxCount so that MAXCOUNT >= COUNT holds. */
export function defaultCount(count: number | undefined, maxCount: number | undefined, serverMax: number): number {
  return count ?? (maxCount === undefined ? serverMax : Math.min(maxCount, serverMax));
}
