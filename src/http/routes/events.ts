import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { StreamBackend } from '../../backends/contract.js';
import { MIN_ID, type StreamId } from '../../domain/ids.js';
import type { Delivery, Entry, StreamInfo } from '../../domain/types.js';
import { DEFAULT_SSE_ACK, DEFAULT_SSE_AFTER, DEFAULT_SSE_COUNT, DEFAULT_SSE_MAX_IN_FLIGHT } from '../defaults.js';
import { noStream, noStreamOrGroup } from '../missing.js';
import { fieldsFormatQuery } from '../schemas/fields.js';
import { readAfter } from '../schemas/ids.js';
import { consumerParams, streamParams } from '../schemas/names.js';
import { countQuery, queryInteger } from '../schemas/numbers.js';
import { problemResponses } from '../schemas/problem.js';
import { eventStreamErrorHandler, lastEventIdHeader, lastEventIdQuery, noticeResumeAhead, resumeId, runLoop } from '../sse/event-stream.js';
import { MessageFrames } from '../sse/message-frames.js';
import type { SseChannel } from '../sse/sse-channel.js';
import type { FieldsFormat } from '../wire/fields.js';

/** How long one blocked read of an SSE loop waits before it loops (the channel's abort ends it sooner). */
const SSE_READ_WAIT_MS = 5 * 60_000;

export const EVENT_STREAM = {
  description:
    '`text/event-stream`: one `message` event per entry (`id:` is the message ID, `data:` the message JSON), `: keep-alive` comments, ' +
    'a `notice` event when Last-Event-ID is above the stream\'s last ID, and a last `problem` (the problem JSON) or `shutdown` event after a `retry:` hint. ' +
    'A client that sends `Accept: text/event-stream` (EventSource does) gets every problem but a malformed request (400) this way, in a 200 answer.',
  content: { 'text/event-stream': { schema: { type: 'string' } } },
};

export const eventRoutes: FastifyPluginAsyncZod = async (app) => {
  const { backend, appConfig } = app;
  const hub = app.sseHub;
  const frames = new MessageFrames();

  const errorHandler = eventStreamErrorHandler(hub);

  app.get('/streams/:stream/events', {
    errorHandler,
    schema: {
      operationId: 'streamEvents',
      summary: 'Server-Sent Events: the stream tail',
      description:
        `An XREAD BLOCK loop as an event stream. Starts after \`after\` (default \`${DEFAULT_SSE_AFTER}\`: only new entries), or after \`Last-Event-ID\` (or \`lastEventId\`) when the browser reconnects. ` +
        'Reading the stream takes nothing from it: a slow client only falls behind.',
      tags: ['events'],
      'x-redis-command': 'XREAD BLOCK',
      params: streamParams,
      headers: lastEventIdHeader,
      querystring: fieldsFormatQuery.extend({
        after: readAfter.optional(),
        ...lastEventIdQuery,
        count: countQuery(appConfig.maxCount, DEFAULT_SSE_COUNT),
      }),
      response: { 200: z.string().meta(EVENT_STREAM), ...problemResponses(400, 404) },
    },
    handler: async (request, reply) => {
      const { stream } = request.params;
      const { after = DEFAULT_SSE_AFTER, count = DEFAULT_SSE_COUNT, fieldsFormat } = request.query;
      const resumeFrom = resumeId(request);
      const info = await backend.streamInfo(stream);
      if (info === null) throw noStream();
      let cursor: StreamId = resumeFrom ?? (after === '$' ? info.lastGeneratedId : after);
      const channel = hub.open(reply);
      if (resumeFrom !== undefined) noticeResumeAhead(channel, stream, resumeFrom, info.lastGeneratedId);
      void runLoop(channel, request, async () => {
        const results = await backend.readStreams([{ key: stream, after: cursor }], count, { waitMs: SSE_READ_WAIT_MS, signal: channel.signal });
        const entries = results[0]?.entries ?? [];
        if (entries.length > 0) cursor = entries[entries.length - 1]!.id;
        sendMessages(channel, frames, entries, fieldsFormat);
      });
    },
  });

  app.get('/streams/:stream/groups/:group/consumers/:consumer/events', {
    errorHandler,
    schema: {
      operationId: 'groupEvents',
      summary: 'Server-Sent Events: a consumer of the group',
      description:
        'An XREADGROUP BLOCK loop as an event stream. `count` is the most taken from the group in one read. ' +
        'With `ack=manual` (default) acknowledge through `acks`; the server takes nothing new for this consumer while it holds `maxInFlight` pending entries. ' +
        '`ack=auto` reads with NOACK: at-most-once, nothing enters the pending list. ' +
        "The consumer's pending entries are sent first, as a history read from `0` would (in ID order, a deleted one with `fields: null`), then new ones: a reload with the same consumer name picks up what the closed page held. " +
        "On reconnect with `Last-Event-ID` (or `lastEventId`), only the pending entries after that ID are sent again. " +
        'Entries are taken from the group only when the socket can take them, so a slow client never causes loss: what it did not get stays pending and claimable.',
      tags: ['events'],
      'x-redis-command': 'XREADGROUP BLOCK',
      params: consumerParams,
      headers: lastEventIdHeader,
      querystring: fieldsFormatQuery.extend({
        count: countQuery(appConfig.maxCount, DEFAULT_SSE_COUNT),
        maxInFlight: queryInteger(1, appConfig.maxCount, `Most unacknowledged entries held at once (ack=manual); default ${DEFAULT_SSE_MAX_IN_FLIGHT}.`).optional(),
        ack: z.enum(['manual', 'auto']).default(DEFAULT_SSE_ACK).meta({ description: '`manual`: acknowledge with `acks`; `auto`: NOACK, at-most-once.' }),
        ...lastEventIdQuery,
        claimMinIdleMs: queryInteger(0, Number.MAX_SAFE_INTEGER, 'XREADGROUP CLAIM (Redis 8.4): take over pending entries idle at least this long before new ones.').optional(),
      }),
      response: { 200: z.string().meta(EVENT_STREAM), ...problemResponses(400, 404) },
    },
    handler: async (request, reply) => {
      const { stream, group, consumer } = request.params;
      const { count = DEFAULT_SSE_COUNT, maxInFlight = DEFAULT_SSE_MAX_IN_FLIGHT, ack, fieldsFormat, claimMinIdleMs } = request.query;
      const claim = claimMinIdleMs === undefined ? {} : { claimMinIdleMs };
      const resumeFrom = resumeId(request);
      const info = await requireGroup(backend, stream, group);
      const noAck = ack === 'auto';
      let history: StreamId | undefined = noAck ? undefined : (resumeFrom ?? MIN_ID);
      const channel = hub.open(reply);
      if (resumeFrom !== undefined) noticeResumeAhead(channel, stream, resumeFrom, info.lastGeneratedId);
      void runLoop(channel, request, async () => {
        if (history !== undefined) {
          const replay = await backend.readGroup({ group, consumer, streams: [{ key: stream, from: history }], count }, { waitMs: 0 });
          const entries = replay[0]?.entries ?? [];
          history = entries.length > 0 ? entries[entries.length - 1]!.id : undefined;
          sendMessages(channel, frames, entries, fieldsFormat);
          return;
        }
        let room = count;
        if (!noAck) {
          const inFlight = await backend.pendingBelow(stream, group, consumer, maxInFlight, { waitMs: SSE_READ_WAIT_MS, signal: channel.signal });
          if (inFlight >= maxInFlight) return;
          room = Math.min(count, maxInFlight - inFlight);
        }
        if (!channel.writable) return;
        const results = await backend.readGroup(
          { group, consumer, streams: [{ key: stream, from: '>' }], count: room, noAck, ...claim },
          { waitMs: SSE_READ_WAIT_MS, signal: channel.signal },
        );
        sendMessages(channel, frames, results[0]?.entries ?? [], fieldsFormat);
      });
    },
  });
};

/** The stream's XINFO STREAM, once the group is known to exist. NO_STREAM, NOGROUP. */
async function requireGroup(backend: StreamBackend, stream: string, group: string): Promise<StreamInfo> {
  const [info, found] = await Promise.all([backend.streamInfo(stream), backend.group(stream, group)]);
  if (info === null || found === null) throw await noStreamOrGroup(backend, stream, group);
  return info;
}

function sendMessages(channel: SseChannel, frames: MessageFrames, entries: readonly (Entry | Delivery)[], format: FieldsFormat): void {
  if (entries.length > 0) channel.sendEncoded(frames.encode(entries, format));
}
