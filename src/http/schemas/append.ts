import { z } from 'zod';
import { fieldsInput } from './fields.js';
import { addId, idOutput } from './ids.js';
import { trimInput } from './trim.js';

const NO_MK_STREAM = 'NOMKSTREAM: answer 404 NO_STREAM instead of creating a missing stream.';

export const appendBody = z.strictObject({
  fields: fieldsInput,
  id: addId.prefault('*'),
  noMkStream: z.boolean().optional().meta({ description: NO_MK_STREAM }),
  trim: trimInput.optional(),
});

export function appendBatchBody(maxBatch: number) {
  return z.strictObject({
    messages: z
      .array(z.strictObject({ fields: fieldsInput, id: addId.prefault('*') }))
      .min(1)
      .max(maxBatch)
      .meta({ description: `1 to ${maxBatch} messages, added in order; explicit IDs must increase. Validated whole: all are added or none.` }),
    noMkStream: z.boolean().optional().meta({ description: NO_MK_STREAM }),
    trim: trimInput.optional(),
  });
}

export const appendedSchema = z.object({ id: idOutput });
export const appendedBatchSchema = z.object({ ids: z.array(idOutput) });
