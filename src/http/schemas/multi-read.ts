import { z } from 'zod';
import { DEFAULT_GROUP_READ_FROM } from '../defaults.js';
import { groupReadFrom, idOutput, readAfter } from './ids.js';
import { messageSchema } from './message.js';
import { ackBeforeRead } from './read.js';
import { consumerName, groupName, streamName } from './names.js';
import { countBody, waitMsBody } from './numbers.js';
import { checkMaxCount, replyCapFields } from './read.js';

/** Most streams one multi-stream read or event stream names: its cost is per stream. */
export const MAX_STREAMS_PER_READ = 100;

function distinctStreams<T extends { stream: string }>(streams: T[], ctx: z.RefinementCtx, path: (string | number)[]): void {
  const seen = new Set<string>();
  streams.forEach((s, i) => {
    if (seen.has(s.stream)) ctx.addIssue({ code: 'custom', path: [...path, i, 'stream'], message: `names stream '${s.stream}' a second time` });
    seen.add(s.stream);
  });
}

const streamList = <T extends z.ZodType>(item: T, description: string) =>
  z.array(item).min(1).max(MAX_STREAMS_PER_READ).meta({ description: `${description} 1 to ${MAX_STREAMS_PER_READ}, each named once.` });

/** POST /v1/read: XREAD [COUNT] [BLOCK] STREAMS key ... id ... */
export function multiReadBody(maxCount: number, maxWaitMs: number) {
  return z
    .strictObject({
      streams: streamList(z.strictObject({ stream: streamName, after: readAfter }), 'The streams, in the order of the answer, each with the ID to read after.'),
      count: countBody(maxCount, maxCount),
      waitMs: waitMsBody(maxWaitMs, 'Block up to this many ms when no stream has anything after its ID.'),
      ...replyCapFields,
    })
    .superRefine((body, ctx) => {
      distinctStreams(body.streams, ctx, ['streams']);
      checkMaxCount(body, ctx);
    });
}

/** POST /v1/groups/{group}/consumers/{consumer}/read: XREADGROUP GROUP g c [COUNT] [BLOCK] [NOACK] STREAMS key ... id ... */
export function multiReadGroupBody(maxCount: number, maxWaitMs: number, maxBatch: number) {
  return z
    .strictObject({
      streams: streamList(
        z.strictObject({ stream: streamName, after: groupReadFrom.prefault(DEFAULT_GROUP_READ_FROM), ack: ackBeforeRead(maxBatch) }),
        'The streams, each with `>` (default) or an ID for history; the group and consumer are the same on every one, as in Redis.',
      ),
      count: countBody(maxCount, maxCount),
      waitMs: waitMsBody(maxWaitMs, 'Block up to this many ms when nothing is new (only when every stream reads `>`).'),
      noAck: z.boolean().optional().meta({ description: 'NOACK: deliver without adding to the pending list (at-most-once). Ignored for history reads.' }),
      ...replyCapFields,
    })
    .superRefine((body, ctx) => {
      distinctStreams(body.streams, ctx, ['streams']);
      checkMaxCount(body, ctx);
    });
}

/** A query parameter given once or repeated: always a list. */
const repeated = <T extends z.ZodType>(item: T) => z.preprocess((value) => (value === undefined || Array.isArray(value) ? value : [value]), z.array(item));

/** The streams of a multi-stream event route: `stream=` repeated, any UTF-8 name percent-encoded (commas included). */
export const streamsQuery = repeated(streamName)
  .refine((names) => names.length >= 1 && names.length <= MAX_STREAMS_PER_READ, { message: `names 1 to ${MAX_STREAMS_PER_READ} streams` })
  .refine((names) => new Set(names).size === names.length, { message: 'names a stream twice' })
  .meta({ description: `A stream to follow; repeat it for each (1 to ${MAX_STREAMS_PER_READ}, each once). Any UTF-8 name, percent-encoded.` });

/** `after=` repeated, one per `stream=` in the same order. */
export const aftersQuery = repeated(readAfter)
  .optional()
  .meta({ description: 'Per `stream=`, in the same order: read after this ID (`$`: only new entries). Absent: `$` for every stream.' });

export const groupConsumerParams = z.object({ group: groupName, consumer: consumerName });

export const multiMessageListSchema = z
  .object({
    streams: z.array(z.object({ stream: streamName, messages: z.array(messageSchema) })).meta({
      description: 'The streams that had entries, in the order of the request (as XREAD answers); empty when a wait timed out.',
    }),
    acknowledged: z
      .record(streamName, z.number().int().min(0))
      .optional()
      .meta({ description: 'Group reads with `ack` on some stream only: per such stream, how many of its `ack` IDs were pending.' }),
  })
  .meta({ id: 'MultiStreamMessages' });

/** The `id:` of a multi-stream event: every stream's position, so one Last-Event-ID resumes them all. */
export const multiEventIdSchema = z.record(streamName, idOutput).meta({ id: 'MultiStreamEventId' });
