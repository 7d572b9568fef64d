import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { NODE_MAX_ENTRIES } from '../../src/core/stream-node.js';
import { Stream } from '../../src/core/stream.js';
import { MAX_ID, U64_MAX, makeId, type StreamId } from '../../src/domain/ids.js';

/** IDs that straddle the 32-bit words of both halves, ascending with i. */
const idOf = (i: number): StreamId => makeId(BigInt(i >> 2) * 0xffff_ffffn, BigInt(i & 3) * (U64_MAX / 3n));

type Step =
  | { kind: 'append'; n: number }
  | { kind: 'remove'; at: number }
  | { kind: 'trim'; at: number }
  | { kind: 'range'; from: number; to: number; count: number; reverse: boolean };

const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('append' as const), n: fc.integer({ min: 1, max: 3 * NODE_MAX_ENTRIES }) }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('remove' as const), at: fc.double({ min: 0, max: 1, noNaN: true }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('trim' as const), at: fc.double({ min: 0, max: 1, noNaN: true }) }) },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('range' as const),
      from: fc.double({ min: 0, max: 1, noNaN: true }),
      to: fc.double({ min: 0, max: 1, noNaN: true }),
      count: fc.integer({ min: 1, max: 250 }),
      reverse: fc.boolean(),
    }),
  },
);

describe('Stream node index', () => {
  it('seeks, removes and trims as a sorted list of entries does', () => {
    fc.assert(
      fc.property(fc.array(step, { maxLength: 60 }), (steps) => {
        const stream = new Stream('s');
        let model: StreamId[] = [];
        let next = 1;
        // An ID near the model's position `at` (0..1), existing or one past it.
        const pick = (at: number): StreamId => idOf(Math.floor(at * next));
        for (const s of steps) {
          if (s.kind === 'append') {
            for (let i = 0; i < s.n; i++, next++) {
              stream.append(idOf(next), ['i', String(next)]);
              model.push(idOf(next));
            }
          } else if (s.kind === 'remove') {
            const id = pick(s.at);
            expect(stream.remove(id)).toBe(model.includes(id));
            model = model.filter((x) => x !== id);
          } else if (s.kind === 'trim') {
            const upTo = pick(s.at);
            expect(stream.trimUpTo(upTo)).toBe(model.filter((x) => x <= upTo).length);
            model = model.filter((x) => x > upTo);
          } else {
            const [start, end] = [pick(s.from), pick(s.to)];
            const inRange = model.filter((x) => x >= start && x <= end);
            const expected = s.reverse ? inRange.reverse().slice(0, s.count) : inRange.slice(0, s.count);
            expect(stream.range(start, end, s.count, s.reverse).map((e) => e.id)).toEqual(expected);
          }
          expect(stream.length).toBe(model.length);
        }
        expect([...stream.allEntries()].map((e) => e.id)).toEqual(model);
        expect(stream.range(0n, MAX_ID, undefined, true).map((e) => e.id)).toEqual([...model].reverse());
        for (const id of model.slice(0, 20)) expect(stream.get(id)?.[0]).toBe('i');
      }),
      { numRuns: 200 },
    );
  });

  it('seeks every ID and every gap between IDs, however unevenly their ms are spread', () => {
    const gap = fc.oneof(
      fc.constant([0n, 1n] as const),
      fc.tuple(fc.bigInt({ min: 1n, max: 3n }), fc.constant(0n)),
      fc.tuple(fc.bigInt({ min: 1n, max: 1n << 40n }), fc.bigInt({ min: 0n, max: 1n << 20n })),
      fc.tuple(fc.bigInt({ min: 1n << 50n, max: 1n << 62n }), fc.constant(0n)),
    );
    fc.assert(
      fc.property(fc.array(fc.tuple(gap, fc.integer({ min: 1, max: 250 })), { minLength: 1, maxLength: 12 }), (runs) => {
        const stream = new Stream('s');
        const ids: StreamId[] = [];
        let ms = 5n;
        let seq = 0n;
        for (const [[msGap, seqStart], n] of runs) {
          for (let i = 0; i < n; i++) {
            if (i === 0 || msGap > 3n) [ms, seq] = msGap === 0n ? [ms, seq + 1n] : [ms + msGap, seqStart];
            else [ms, seq] = msGap === 0n ? [ms, seq + 1n] : [ms + msGap, 0n];
            if (ms >= 1n << 64n) break;
            ids.push(makeId(ms, seq));
            stream.append(ids.at(-1)!, ['i', String(ids.length)]);
          }
        }
        for (const [i, id] of ids.entries()) {
          expect(stream.has(id)).toBe(true);
          expect(stream.has(id - 1n)).toBe(i > 0 && ids[i - 1] === id - 1n);
          expect(stream.range(id, MAX_ID, 1)[0]?.id).toBe(id);
          expect(stream.range(id + 1n, MAX_ID, 1)[0]?.id).toBe(ids[i + 1]);
          expect(stream.range(0n, id - 1n, 1, true)[0]?.id).toBe(ids[i - 1]);
        }
        expect(stream.range(0n, ids[0]! - 1n, 1)).toEqual([]);
      }),
      { numRuns: 60 },
    );
  });

  it('keeps the node count after many head removals and appends (compaction)', () => {
    const stream = new Stream('s');
    let next = 1;
    for (let round = 0; round < 50; round++) {
      for (let i = 0; i < 7 * NODE_MAX_ENTRIES; i++, next++) stream.append(idOf(next), ['i', String(next)]);
      stream.trimUpTo(idOf(next - 2 * NODE_MAX_ENTRIES - 1));
      expect(stream.nodeCount).toBe(2);
      expect(stream.firstEntry()!.id).toBe(idOf(next - 2 * NODE_MAX_ENTRIES));
      expect(stream.range(idOf(next - 1), MAX_ID, 10).map((e) => e.id)).toEqual([idOf(next - 1)]);
    }
  });
});
