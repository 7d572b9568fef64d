import { z } from 'zod';
import { errorMessage } from '../../domain/errors.js';
import {
  MAX_ID,
  parseAddId,
  parseId,
  parseRangeBound,
  type AddIdSpec,
  type RangeBound,
  type StreamId,
} from '../../domain/ids.js';
import type { GroupReadFrom, ReadFrom } from '../../domain/types.js';
import { DEFER, fastIdList, isJsonObject, withFastCheck, type Defer } from './fast-check.js';

/** Marks a zod issue so that the error handler answers INVALID_ID instead of VALIDATION. */
export const INVALID_ID_PARAMS = { code: 'INVALID_ID' } as const;

const U64 = '[0-9]{1,20}';
const ID = `${U64}(-${U64})?`;

/** An ID that parses but that Redis still refuses, with Redis's words. */
class Refusal {
  constructor(readonly message: string) {}
}

function idInput<T>(description: string, pattern: string, examples: string[], parse: (text: string) => T | Refusal | undefined) {
  return z
    .string()
    .meta({ description, pattern, examples })
    .transform((text, ctx) => {
      const value = parse(text);
      if (value === undefined || value instanceof Refusal) {
        const shown = text.length > 64 ? `${text.slice(0, 64)}...` : text;
        const reason = value instanceof Refusal ? value.message : 'Invalid stream ID specified as stream command argument';
        ctx.addIssue({
          code: 'custom',
          message: `${reason} (${JSON.stringify(shown)})`,
          params: INVALID_ID_PARAMS,
        });
        return z.NEVER;
      }
      return value;
    });
}

const U64_NOTE = 'both parts unsigned 64-bit decimal';

/** `<ms>-<seq>` or `<ms>` (seq 0), as XDEL, XACK, XCLAIM take it. */
export const messageId = idInput<StreamId>(
  `Message ID \`<ms>-<seq>\`, ${U64_NOTE}; \`<ms>\` alone means \`<ms>-0\`.`,
  `^${ID}$`,
  ['1700000000000-0'],
  (text) => parseId(text),
);

/** XADD's ID: `*`, `<ms>-*` or explicit. */
export const addId = idInput<AddIdSpec>(
  `\`*\` (generated), \`<ms>-*\` (generated sequence) or an explicit \`<ms>-<seq>\` greater than the stream's last ID; ${U64_NOTE}.`,
  `^(\\*|${U64}-\\*|${ID})$`,
  ['*', '1700000000000-*', '1700000000000-5'],
  parseAddId,
);

export const rangeStart = idInput<RangeBound>(
  'Low bound: `-` (smallest), an ID or `<ms>` (seq 0), `(` before it for an exclusive bound.',
  `^\\(?([-+]|${ID})$`,
  ['-', '1700000000000-0', '(1700000000000-0'],
  (text) => parseRangeBound(text, 'start'),
);

export const rangeEnd = idInput<RangeBound>(
  'High bound: `+` (largest), an ID or `<ms>` (largest seq), `(` before it for an exclusive bound.',
  `^\\(?([-+]|${ID})$`,
  ['+', '1700000000000-0', '(1700000000000-0'],
  (text) => parseRangeBound(text, 'end'),
);

/** XREAD: entries after this ID, or `$` for only new ones. */
export const readAfter = idInput<Exclude<ReadFrom, '+'>>(
  'Read entries after this ID; `$` means only entries added from now on.',
  `^(\\$|${ID})$`,
  ['$', '1700000000000-0'],
  (text) => (text === '$' ? '$' : parseId(text)),
);

/** XGROUP CREATE / SETID: `$` or an ID. */
export const groupStart = idInput<StreamId | '$'>(
  "`$` for the stream's last ID, or an ID (`0` for the beginning).",
  `^(\\$|${ID})$`,
  ['$', '0', '1700000000000-0'],
  (text) => (text === '$' ? '$' : parseId(text)),
);

/** XREADGROUP: `>` for new entries, an ID for this consumer's pending history after it. */
export const groupReadFrom = idInput<GroupReadFrom>(
  "`>` for entries never delivered to the group; an ID reads this consumer's pending entries after it (history).",
  `^(>|${ID})$`,
  ['>', '0'],
  (text) => (text === '>' ? '>' : parseId(text)),
);

/** XAUTOCLAIM's start: an interval start, so `(` moves past the ID, as in Redis. */
export const autoclaimStart = idInput<StreamId>(
  'Scan the pending list from this ID (`-`/`0` for the beginning, `(` before an ID to start after it).',
  `^\\(?([-+]|${ID})$`,
  ['0-0', '(1700000000000-0'],
  (text) => {
    const bound = parseRangeBound(text, 'start');
    if (bound === undefined || !bound.exclusive) return bound?.id;
    return bound.id === MAX_ID ? new Refusal(errorMessage('INVALID_ID', 'startInterval').replace(/^ERR /, '')) : bound.id + 1n;
  },
);

export const idOutput = z.string().meta({
  description: `Message ID \`<ms>-<seq>\`, ${U64_NOTE}.`,
  pattern: `^${U64}-${U64}$`,
  examples: ['1700000000000-0'],
});

/** `{ids: [...]}` of XACK and XDEL: 1 to `maxBatch` message IDs. */
export function idListBody(maxBatch: number) {
  return withFastCheck(z.strictObject({ ids: idList(maxBatch) }), (body) => {
    if (!isJsonObject(body)) return DEFER;
    let ids: StreamId[] | Defer = DEFER;
    for (const key in body) {
      if (key !== 'ids') return DEFER;
      ids = fastIdList(body[key], maxBatch);
    }
    return ids === DEFER ? DEFER : { ids };
  });
}

/** 1 to `maxBatch` message IDs. */
export function idList(maxBatch: number) {
  return z.array(messageId).min(1).max(maxBatch);
}
