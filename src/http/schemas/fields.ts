import { z } from 'zod';
import type { FieldList } from '../../domain/types.js';
import { DEFAULT_FIELDS_FORMAT } from '../defaults.js';
import { FIELDS_FORMATS, type FieldsFormat, type WireFields } from '../wire/fields.js';
import { DEFER, isRecord, withFastCheck, type Defer } from './fast-check.js';
import { unicodeString } from './names.js';

const FIELDS_NOTE =
  'Either an object of string values, kept in the order given (a JSON object cannot hold a name twice, and names that look like array ' +
  'indexes, such as `"7"`, come first in JavaScript objects), or `[name, value]` string pairs in exact order, duplicates allowed. ' +
  'Numbers, booleans and null are refused; at least one field is required.';

const fieldObject = z
  .record(unicodeString, unicodeString)
  .refine((object) => Object.keys(object).length > 0, { message: 'must have at least one field' })
  .meta({ minProperties: 1 });

const fieldPairs = z.array(z.tuple([unicodeString, unicodeString])).min(1, { message: 'must have at least one field' });

/** Message fields as given on input, parsed to the core's flat `[name, value, ...]` list. */
export const fieldsInput = z
  .union([fieldObject, fieldPairs])
  .meta({ description: FIELDS_NOTE, examples: [{ sensor: 'a', temp: '21.5' }, [['tag', 'x'], ['tag', 'y']]] })
  .transform(toFieldList);

/** The core's flat `[name, value, ...]` list, built in one pass (`entries().flat()` cost more than the rest of the check). */
function toFieldList(fields: Record<string, string> | [string, string][]): FieldList {
  if (Array.isArray(fields)) {
    const list: string[] = new Array(fields.length * 2);
    for (let i = 0; i < fields.length; i++) {
      list[i * 2] = fields[i]![0];
      list[i * 2 + 1] = fields[i]![1];
    }
    return list;
  }
  const names = Object.keys(fields);
  const list: string[] = new Array(names.length * 2);
  for (let i = 0; i < names.length; i++) {
    list[i * 2] = names[i]!;
    list[i * 2 + 1] = fields[names[i]!]!;
  }
  return list;
}

export const fieldsFormatQuery = withFastCheck(
  z.object({
    fieldsFormat: z
      .enum(FIELDS_FORMATS)
      .default(DEFAULT_FIELDS_FORMAT)
      .meta({
        description:
          'The form of every `fields` in the response. `object` (default): `{name: value}`, the last value wins when a name repeats. ' +
          '`pairs`: `[[name, value], ...]`, exact order and duplicates. (The response schema lists both forms; the SDK types `Message<F>` by this value.)',
      }),
  }),
  (query): { fieldsFormat: FieldsFormat } | Defer => {
    if (!isRecord(query)) return DEFER;
    const { fieldsFormat } = query;
    if (fieldsFormat === undefined || fieldsFormat === DEFAULT_FIELDS_FORMAT) return { fieldsFormat: DEFAULT_FIELDS_FORMAT };
    return fieldsFormat === 'object' || fieldsFormat === 'pairs' ? { fieldsFormat } : DEFER;
  },
);

/** Passed through unchecked on output (the core only holds strings); documented as its JSON shape. */
export const fieldsOutput = z
  .custom<WireFields>((value) => typeof value === 'object' && value !== null)
  .meta({
    description: 'Object form by default; `[name, value]` pairs with `fieldsFormat=pairs`.',
    anyOf: [
      { description: 'With `fieldsFormat=object` (the default).', type: 'object', additionalProperties: { type: 'string' } },
      {
        description: 'With `fieldsFormat=pairs`.',
        type: 'array',
        items: { type: 'array', prefixItems: [{ type: 'string' }, { type: 'string' }], minItems: 2, maxItems: 2 },
      },
    ],
  });
