import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { StreamError, streamError } from '../../domain/errors.js';
import { formatId, parseId, type StreamId } from '../../domain/ids.js';
import { errorHandler, toProblem } from '../error-handler.js';
import { SHUTDOWN_DATA, type SseChannel, type SseHub } from './sse-channel.js';

/*
 * What every event route shares: where a reconnect resumes, and how a
 * condition that ends the stream reaches page code. An EventSource gives up
 * for good on any answer but a 200 `text/event-stream`, and its own `error`
 * event carries no data, so a client that asks for an event stream gets its
 * problems inside one: `event: problem` with the problem JSON (never `error`,
 * EventSource's own event name), or `event: shutdown` from a draining server,
 * each after a `retry:` hint, and then the stream closes.
 */

/** The query parameter that carries Last-Event-ID where the header cannot be sent (Mercure's name). */
export const lastEventIdQuery = {
  lastEventId: z
    .string()
    .optional()
    .meta({ description: 'Resume after this event ID, as the `Last-Event-ID` header does (which wins when both are sent): a browser cannot send the header on a connection it opens itself.' }),
};

export const lastEventIdHeader = z.object({
  'last-event-id': z
    .string()
    .optional()
    .meta({ description: 'Sent by EventSource on reconnect: resume after this event ID. A malformed one answers 400 `INVALID_ID`.' }),
});

/** The event a stream sends when a Last-Event-ID is above the stream's last ID (a stream deleted and made again, or another server's ID). */
export const NOTICE_EVENT = 'notice';

/** True for a client that asked for an event stream: EventSource always sends `Accept: text/event-stream`. */
export function wantsEventStream(request: FastifyRequest): boolean {
  const accept = request.headers.accept;
  return accept !== undefined && accept.includes('text/event-stream');
}

/** The Last-Event-ID header, else the `lastEventId` query parameter; an empty one is none. */
export function lastEventIdOf(request: FastifyRequest): string | undefined {
  const header = request.headers['last-event-id'];
  if (typeof header === 'string' && header !== '') return header;
  const query = (request.query as { lastEventId?: unknown } | undefined)?.lastEventId;
  return typeof query === 'string' && query !== '' ? query : undefined;
}

/** A single-stream route's Last-Event-ID: a message ID. INVALID_ID otherwise. */
export function resumeId(request: FastifyRequest): StreamId | undefined {
  const text = lastEventIdOf(request);
  if (text === undefined) return undefined;
  const id = parseId(text);
  if (id === undefined) throw streamError('INVALID_ID', 'lastEventId', text);
  return id;
}

/** Tells the client its Last-Event-ID is above the stream's last ID: nothing comes until an entry above it is added, as XREAD would. */
export function noticeResumeAhead(channel: SseChannel, stream: string, resumeFrom: StreamId, lastId: StreamId): void {
  if (resumeFrom <= lastId) return;
  const notice = {
    code: 'LAST_EVENT_ID_AHEAD',
    stream,
    lastEventId: formatId(resumeFrom),
    lastId: formatId(lastId),
    detail: `Last-Event-ID ${formatId(resumeFrom)} is above the last ID of '${stream}' (${formatId(lastId)}): entries are sent once one above it is added. Open a new connection without Last-Event-ID (and with after=0) to read the stream as it is.`,
  };
  channel.event(NOTICE_EVENT, JSON.stringify(notice));
}

/** Problems that stay statuses: the request itself is wrong (its code must change), so there is nothing to reconnect for. */
function answersStatus(status: number): boolean {
  return status === 400 || status === 413 || status === 415;
}

/**
 * The error handler of every event route: to a client that asked for an
 * event stream, a problem other than a malformed request is answered 200
 * `text/event-stream` with `retry:` and `event: problem` (or `event: shutdown`
 * while draining), so the page sees the reason and the browser never gives up
 * on a condition that passes (a deploy, a group made later).
 */
export function eventStreamErrorHandler(hub: SseHub) {
  return (error: unknown, request: FastifyRequest, reply: FastifyReply): FastifyReply => {
    const { problem, internal } = toProblem(error, request);
    if (answersStatus(problem.status) || !wantsEventStream(request)) return errorHandler(error, request, reply);
    if (internal) request.log.error({ err: error }, 'event stream refused');
    else request.log.info({ code: problem.code, status: problem.status, detail: problem.detail }, 'event stream refused');
    const channel = hub.open(reply);
    if (problem.code === 'SHUTTING_DOWN') channel.end('shutdown', SHUTDOWN_DATA);
    else channel.end('problem', JSON.stringify(problem));
    return reply;
  };
}

/**
 * Runs `step` until the channel closes; before each step it waits until the
 * socket can take more, so nothing is taken from the stream or group that
 * could only pile up in memory. A StreamError (group destroyed, stream
 * deleted) ends the stream with `event: problem` and the problem JSON.
 */
export async function runLoop(channel: SseChannel, request: FastifyRequest, step: () => Promise<void>): Promise<void> {
  try {
    while (channel.open) {
      await channel.drained();
      if (!channel.open) break;
      await step();
    }
  } catch (err) {
    const { problem, internal } = toProblem(err, request);
    if (internal) request.log.error({ err }, 'event stream failed');
    if (err instanceof StreamError && err.code === 'SHUTTING_DOWN') channel.end('shutdown', SHUTDOWN_DATA);
    else channel.end('problem', JSON.stringify(problem));
  }
}
