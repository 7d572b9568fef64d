import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { IdTree } from '../../src/core/id-tree.js';
import { ID_WORDS, MAX_ID, U64_MAX, makeId, splitId, type StreamId } from '../../src/domain/ids.js';

interface Item {
  id: StreamId;
  tag: number;
}

/** IDs from a small set of parts, edges of both 64-bit halves and of their 32-bit words included, so that keys collide often. */
const PARTS = [0n, 1n, 2n, 0xffff_ffffn, 0x1_0000_0000n, 0x1_0000_0001n, 1_700_000_000_000n, U64_MAX - 1n, U64_MAX];
const idArb = fc.tuple(fc.constantFrom(...PARTS), fc.constantFrom(...PARTS)).map(([ms, seq]) => makeId(ms, seq));

/** The tree's contents and seeks against a sorted model. */
function expectSameAs(tree: IdTree<Item>, model: Map<StreamId, Item>, probes: StreamId[]): void {
  const sorted = [...model.values()].sort((a, b) => (a.id < b.id ? -1 : 1));
  expect([...tree.values()]).toEqual(sorted);
  expect(tree.size).toBe(sorted.length);
  expect(tree.minKey()).toBe(sorted[0]?.id);
  expect(tree.maxKey()).toBe(sorted[sorted.length - 1]?.id);
  for (const probe of probes) {
    const cursor = tree.cursor(probe);
    const expected = sorted.filter((item) => item.id >= probe).slice(0, 3);
    expect([cursor.next(), cursor.next(), cursor.next()].filter((v) => v !== undefined)).toEqual(expected);
    expect(tree.get(probe)).toBe(model.get(probe));
  }
}

describe('ID words', () => {
  it('order IDs as the IDs themselves order', () => {
    fc.assert(
      fc.property(idArb, idArb, (a, b) => {
        splitId(a);
        const wa = [...ID_WORDS];
        splitId(b);
        const wb = [...ID_WORDS];
        const byWords = Math.sign(wa[0]! - wb[0]! || wa[1]! - wb[1]! || wa[2]! - wb[2]! || wa[3]! - wb[3]!);
        expect(byWords).toBe(a < b ? -1 : a > b ? 1 : 0);
      }),
    );
    splitId(MAX_ID);
    expect([...ID_WORDS]).toEqual([0xffff_ffff, 0xffff_ffff, 0xffff_ffff, 0xffff_ffff]);
  });
});

describe('IdTree', () => {
  it('behaves as a sorted map under random sets and deletes', () => {
    const op = fc.tuple(fc.constantFrom('set' as const, 'insert' as const, 'delete' as const), idArb, fc.nat());
    fc.assert(
      fc.property(fc.array(op, { maxLength: 200 }), (ops) => {
        const tree = new IdTree<Item>();
        const model = new Map<StreamId, Item>();
        for (const [kind, id, tag] of ops) {
          const item = { id, tag };
          if (kind === 'set') {
            tree.set(item);
            model.set(id, item);
          } else if (kind === 'insert') {
            expect(tree.insert(item)).toBe(model.get(id));
            if (!model.has(id)) model.set(id, item);
          } else {
            expect(tree.delete(id)).toBe(model.get(id));
            model.delete(id);
          }
        }
        expectSameAs(tree, model, [0n, ...PARTS.map((p) => makeId(p, 5n)), MAX_ID]);
      }),
    );
  });

  it('stays a sorted map under runs of neighbouring sets, inserts, deletes and seeks (the last leaf reused) in a large tree', () => {
    const run = fc.tuple(fc.nat(5_000), fc.array(fc.tuple(fc.constantFrom('set' as const, 'insert' as const, 'delete' as const, 'get' as const), fc.integer({ min: -70, max: 70 })), { maxLength: 150 }));
    fc.assert(
      fc.property(fc.array(run, { maxLength: 30 }), (runs) => {
        const tree = new IdTree<Item>();
        const model = new Map<StreamId, Item>();
        const id = (i: number): StreamId => makeId(BigInt(i >> 1), BigInt(i & 1) * 0x1_0000_0001n);
        for (let i = 0; i < 5_000; i += 3) {
          const item = { id: id(i), tag: i };
          tree.set(item);
          model.set(item.id, item);
        }
        for (const [at, ops] of runs) {
          for (const [kind, offset] of ops) {
            const key = id(Math.max(0, at + offset));
            const item = { id: key, tag: offset };
            if (kind === 'set') {
              tree.set(item);
              model.set(key, item);
            } else if (kind === 'insert') {
              expect(tree.insert(item)).toBe(model.get(key));
              if (!model.has(key)) model.set(key, item);
            } else if (kind === 'delete') {
              expect(tree.delete(key)).toBe(model.get(key));
              model.delete(key);
            } else {
              expect(tree.get(key)).toBe(model.get(key));
              expect(tree.cursor(key).next()?.id).toBe([...model.keys()].filter((k) => k >= key).sort((a, b) => (a < b ? -1 : 1))[0]);
            }
          }
        }
        expectSameAs(tree, model, [0n, id(2_500), MAX_ID]);
      }),
      { numRuns: 25 },
    );
  });

  it('keeps order through splits and merges of a three-level tree', () => {
    const tree = new IdTree<Item>();
    const model = new Map<StreamId, Item>();
    let x = 12345;
    const random = (n: number): number => {
      x = (x * 1103515245 + 12345) % 2 ** 31;
      return x % n;
    };
    const id = (i: number): StreamId => makeId(BigInt(i >> 3), BigInt(i & 7) * 0x1_0000_0000n);
    const probes = [0n, id(1), id(4095), id(9000), id(19_999), id(40_000), MAX_ID];
    // In order (appends fill nodes), then at random places (halving splits).
    const set = (i: number, tag: number): void => {
      const item = { id: id(i), tag };
      tree.set(item);
      model.set(item.id, item);
    };
    const remove = (i: number): void => {
      expect(tree.delete(id(i))).toBe(model.get(id(i)));
      model.delete(id(i));
    };
    for (let i = 0; i < 20_000; i += 2) set(i, i);
    for (let n = 0; n < 10_000; n++) set(random(20_000) | 1, -n);
    expectSameAs(tree, model, probes);
    // Deletes at random (merges), then a prefix in order (whole nodes empty), down to nothing.
    for (let n = 0; n < 15_000; n++) {
      const i = random(20_000);
      remove(i);
    }
    expectSameAs(tree, model, probes);
    for (let i = 0; i < 10_000; i++) remove(i);
    expectSameAs(tree, model, probes);
    for (let i = 10_000; i < 20_000; i++) remove(i);
    expectSameAs(tree, model, probes);
    tree.set({ id: 7n, tag: 7 });
    expect([...tree.keys()]).toEqual([7n]);
  });
});
