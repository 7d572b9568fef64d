import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatId, makeId, U64_MAX } from '../../../src/domain/ids.js';
import { formatIds } from '../../../src/http/wire/ids.js';

describe('formatIds', () => {
  it('formats each ID as formatId does, in runs of one ms or not', () => {
    const TWO_POW_53 = 1n << 53n;
    const half = fc.oneof(fc.bigInt(0n, 3n), fc.bigInt(TWO_POW_53 - 2n, TWO_POW_53 + 1n), fc.bigInt(0n, U64_MAX), fc.constant(U64_MAX));
    const ids = fc.array(fc.tuple(half, half).map(([ms, seq]) => makeId(ms, seq)), { maxLength: 20 });
    fc.assert(
      fc.property(ids, (list) => {
        expect(formatIds(list)).toEqual(list.map(formatId));
      }),
    );
  });
});
