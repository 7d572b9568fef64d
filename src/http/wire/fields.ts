import type { FieldList } from '../../domain/types.js';

/** The two output forms of a message's fields (`fieldsFormat`). */
export const FIELDS_FORMATS = ['object', 'pairs'] as const;
export type FieldsFormat = (typeof FIELDS_FORMATS)[number];

export type WireFields = Record<string, string> | [string, string][];

/** The output form; a null-prototype object, so that a field called `__proto__` stays a field. */
export function fieldsToWire(list: FieldList, format: FieldsFormat): WireFields {
  if (format === 'pairs') {
    const pairs: [string, string][] = [];
    for (let i = 0; i + 1 < list.length; i += 2) pairs.push([list[i]!, list[i + 1]!]);
    return pairs;
  }
  const object: Record<string, string> = Object.create(null);
  for (let i = 0; i + 1 < list.length; i += 2) object[list[i]!] = list[i + 1]!;
  return object;
}
