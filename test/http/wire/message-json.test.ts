import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { makeId } from '../../../src/domain/ids.js';
import type { Delivery, Entry } from '../../../src/domain/types.js';
import { messageToWire } from '../../../src/http/wire/message.js';
import { messageListJson } from '../../../src/http/wire/message-json.js';

const name = fc.oneof(fc.constantFrom('a', 'b', '7', '01', '__proto__', 'toString', '', 'é', '\uD800', '"\\\n'), fc.string({ maxLength: 3 }), fc.string({ unit: 'binary', maxLength: 3 }));
const fieldList = fc.oneof(
  fc.array(name, { maxLength: 8 }),
  fc.array(fc.string({ maxLength: 2 }), { minLength: 30, maxLength: 40 }),
);
const half = fc.oneof(fc.bigInt(0n, 3n), fc.bigInt(0n, (1n << 64n) - 1n));
const entry: fc.Arbitrary<Entry | Delivery> = fc.record(
  { id: fc.tuple(half, half).map(([ms, seq]) => makeId(ms, seq)), fields: fc.option(fieldList, { freq: 6 }), deliveryCount: fc.nat() },
  { requiredKeys: ['id', 'fields'] },
);

describe('messageListJson', () => {
  it('writes the text JSON.stringify writes for the wire objects, in both field formats', () => {
    fc.assert(
      fc.property(fc.array(entry, { maxLength: 6 }), fc.constantFrom('object' as const, 'pairs' as const), (entries, format) => {
        const expected = JSON.stringify({ messages: entries.map((e) => messageToWire(e, format)) });
        expect(messageListJson(entries, format)).toBe(expected);
      }),
      { numRuns: 2000 },
    );
  });
});
