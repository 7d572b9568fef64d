import { z } from 'zod';
import { streamError } from '../../domain/errors.js';
import { describeValidation } from '../error-handler.js';
import { parseJsonText } from '../plugins/json-body.js';
import { DEFAULT_APPEND_ID } from '../defaults.js';
import { AUTO_ID, DEFER, fastAddId, fastFields, fastValidatorCompiler, isJsonObject, withFastCheck, type Defer } from './fast-check.js';
import { nonNegative } from './numbers.js';
import { fieldsInput } from './fields.js';
import { addId, idOutput } from './ids.js';
import { trimInput } from './trim.js';

const NO_MK_STREAM = 'NOMKSTREAM: answer 404 NO_STREAM instead of creating a missing stream.';

const idempotencyInput = z
  .strictObject({
    producer: z.string().min(1).meta({ description: 'IDMP / IDMPAUTO producer ID.' }),
    key: z.string().min(1).optional().meta({ description: "IDMP's idempotent ID; absent: IDMPAUTO, a hash of the fields whatever their order." }),
  })
  .optional()
  .meta({
    description:
      'Idempotent produce (Redis 8.6 XADD IDMP / IDMPAUTO), automatic IDs only: a (producer, key) still in the stream\'s window answers 200 ' +
      '`{id, duplicate: true}` with the original ID (whatever the fields), appending and trimming nothing. The `Idempotency-Key` header does the ' +
      'same with producer `Idempotency-Producer` (or `default`), except that the same key with other fields is 422 `IDEMPOTENCY_KEY_REUSED`.',
  });

const appendMessage = z.strictObject({ fields: fieldsInput, id: addId.prefault(DEFAULT_APPEND_ID) });
type AppendMessage = z.output<typeof appendMessage>;

/** `appendMessage` without `trim`, which (rare on hot paths) is left to zod. */
function fastMessage(body: unknown, allowNoMkStream: boolean): (AppendMessage & { noMkStream?: boolean }) | Defer {
  if (!isJsonObject(body)) return DEFER;
  let fields: AppendMessage['fields'] | Defer = DEFER;
  let id: AppendMessage['id'] | Defer | undefined;
  let noMkStream: boolean | undefined;
  for (const key in body) {
    const value = body[key];
    if (key === 'fields') fields = fastFields(value);
    else if (key === 'id') id = fastAddId(value);
    else if (key === 'noMkStream' && allowNoMkStream && typeof value === 'boolean') noMkStream = value;
    else return DEFER;
  }
  if (fields === DEFER || id === DEFER) return DEFER;
  const message = { fields, id: id ?? AUTO_ID };
  return noMkStream === undefined ? message : { ...message, noMkStream };
}

export const appendBody = withFastCheck(
  z.strictObject({
    ...appendMessage.shape,
    noMkStream: z.boolean().optional().meta({ description: NO_MK_STREAM }),
    trim: trimInput.optional(),
    idempotency: idempotencyInput,
  }),
  (body) => fastMessage(body, true),
);

/** One item of a batch's `messages`, and one line of its NDJSON form. */
const batchMessage = appendMessage.extend({ idempotency: idempotencyInput });

export function appendBatchBody(maxBatch: number) {
  const schema = z.strictObject({
    messages: z
      .array(batchMessage)
      .min(1)
      .max(maxBatch)
      .meta({ description: `1 to ${maxBatch} messages, added in order; explicit IDs must increase. Validated whole: all are added or none.` }),
    noMkStream: z.boolean().optional().meta({ description: NO_MK_STREAM }),
    trim: trimInput.optional(),
  });
  return withFastCheck(schema, (body) => {
    if (!isJsonObject(body)) return DEFER;
    let messages: AppendMessage[] | undefined;
    let noMkStream: boolean | undefined;
    for (const key in body) {
      const value = body[key];
      if (key === 'messages' && Array.isArray(value) && value.length >= 1 && value.length <= maxBatch) {
        messages = new Array(value.length);
        for (let i = 0; i < value.length; i++) {
          const message = fastMessage(value[i], false);
          if (message === DEFER) return DEFER;
          messages[i] = message;
        }
      } else if (key === 'noMkStream' && typeof value === 'boolean') noMkStream = value;
      else return DEFER;
    }
    if (messages === undefined) return DEFER;
    return noMkStream === undefined ? { messages } : { messages, noMkStream };
  });
}

const batchLineValidator = fastValidatorCompiler({ schema: withFastCheck(batchMessage, (body) => fastMessage(body, false)), method: 'POST', url: '', httpPart: 'body' });

/** One line of the NDJSON batch form (a batch's `messages` item) to its message; VALIDATION `lineInvalid` naming `line`. */
export function parseBatchLine(text: string, line: number): z.output<typeof batchMessage> {
  const parsed = parseJsonText(text, 'the line');
  if (typeof parsed === 'string') throw streamError('VALIDATION', 'lineInvalid', line, parsed);
  const result = batchLineValidator(parsed.value) as { value: z.output<typeof batchMessage> } | { error: object[] };
  if ('error' in result) throw streamError('VALIDATION', 'lineInvalid', line, describeValidation(result.error, 'message').detail);
  return result.value;
}

/** The NDJSON form's answer: counts and the first and last ID, whatever the number of lines. */
export const ingestedSchema = z
  .object({
    appended: nonNegative().meta({ description: 'Messages appended.' }),
    duplicates: nonNegative().meta({ description: 'Messages that were duplicates of idempotent appends (nothing appended for them).' }),
    firstId: idOutput.meta({ description: "The first message's ID (a duplicate's is the original one)." }),
    lastId: idOutput.meta({ description: "The last message's ID." }),
  })
  .meta({ description: 'The NDJSON form (`content-type: application/x-ndjson`): every line written' });

export const appendedSchema = z.object({ id: idOutput });
export const duplicateSchema = z.object({ id: idOutput.meta({ description: 'The ID the first append with this key produced.' }), duplicate: z.literal(true) });
export const appendedBatchSchema = z.object({
  ids: z.array(idOutput),
  duplicate: z
    .array(z.boolean())
    .optional()
    .meta({ description: 'Only when a message had `idempotency`: per message, whether it was a duplicate (its ID is the original one).' }),
});
