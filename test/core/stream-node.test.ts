import { describe, expect, it } from 'vitest';
import { NODE_MAX_ENTRIES, StreamNode } from '../../src/core/stream-node.js';
import { ID_WORDS, MAX_ID, makeId, splitId, type StreamId } from '../../src/domain/ids.js';
import { Stream } from '../../src/core/stream.js';

/** The first slot of `node` whose ID is >= id. */
function lowerBound(node: StreamNode, id: StreamId): number {
  splitId(id);
  return node.lowerBound(ID_WORDS[0]!, ID_WORDS[1]!, ID_WORDS[2]!, ID_WORDS[3]!);
}

describe('StreamNode slots', () => {
  it('keeps IDs across both 64-bit halves, seeks them without BigInts, and fills at NODE_MAX_ENTRIES', () => {
    const node = new StreamNode();
    const ids = Array.from({ length: NODE_MAX_ENTRIES }, (_, i) => makeId(BigInt(i) << 40n, BigInt(i) * 0xffff_ffff_ffffn));
    for (const id of ids) {
      expect(node.full).toBe(false);
      node.push(id, ['f', 'v']);
    }
    expect(node.full).toBe(true);
    expect(ids.every((id, slot) => node.idAt(slot) === id)).toBe(true);
    expect(node.lastId()).toBe(ids[NODE_MAX_ENTRIES - 1]);
    expect(lowerBound(node, ids[37]!)).toBe(37);
    expect(lowerBound(node, ids[37]! + 1n)).toBe(38);
    expect(lowerBound(node, 0n)).toBe(0);
    expect(lowerBound(node, MAX_ID)).toBe(NODE_MAX_ENTRIES);
  });

  it('turns a slot into a tombstone once, keeping its ID', () => {
    const node = new StreamNode();
    node.push(makeId(1n, 0n), ['a', '1']);
    node.push(makeId(2n, 0n), ['a', '2']);
    expect(node.kill(0)).toBe(true);
    expect(node.kill(0)).toBe(false);
    expect(node).toMatchObject({ count: 2, live: 1 });
    expect(node.isLive(0)).toBe(false);
    expect(node.fieldsAt(0)).toBeNull();
    expect(node.idAt(0)).toBe(makeId(1n, 0n));
    expect(node.fieldsAt(1)).toEqual(['a', '2']);
  });
});

describe('StreamNode packed and wide slots', () => {
  const filled = (ids: StreamId[], value = (i: number) => String(i)): StreamNode => {
    const node = new StreamNode();
    ids.forEach((id, i) => node.push(id, ['f', value(i)]));
    return node;
  };
  const expectSlots = (node: StreamNode, ids: StreamId[]): void => {
    expect(Array.from({ length: node.count }, (_, slot) => node.idAt(slot))).toEqual(ids);
    ids.forEach((id, slot) => {
      expect(lowerBound(node, id)).toBe(slot);
      expect(lowerBound(node, id + 1n)).toBe(slot + 1);
    });
    expect(lowerBound(node, 0n)).toBe(0);
    expect(lowerBound(node, MAX_ID)).toBe(ids.length);
  };
  const base = 1_700_000_000_000n;

  it('stay packed for ms within 2^32 of the first slot and sequences below 2^16, and seek across them', () => {
    const ids = Array.from({ length: 60 }, (_, i) => makeId(base + BigInt(i) * 70_000_000n, BigInt(i * 1000)));
    const node = filled(ids);
    expect(node.packed).toBe(true);
    expectSlots(node, ids);
    expect(lowerBound(node, makeId(base, 5n))).toBe(1);
    expect(lowerBound(node, makeId(base + 70_000_000n, 1n << 40n))).toBe(2);
    expect(lowerBound(node, makeId(base - 1n, (1n << 64n) - 1n))).toBe(0);
    expect(lowerBound(node, makeId(base + (1n << 33n), 0n))).toBe(60);
  });

  for (const [what, last] of [
    ['a sequence of 2^16', makeId(base + 9n, 0x10000n)],
    ['a sequence past 32 bits', makeId(base + 9n, 1n << 40n)],
    ['ms 2^32 past the first slot', makeId(base + (1n << 32n), 0n)],
  ] as const) {
    it(`widen at ${what}, keeping every slot before it`, () => {
      const ids = [...Array.from({ length: 10 }, (_, i) => makeId(base + BigInt(i), BigInt(i))), last];
      const node = filled(ids);
      expect(node.packed).toBe(false);
      expectSlots(node, ids);
      expect(node.fieldsAt(3)).toEqual(['f', '3']);
    });
  }

  it('widen when a record starts past 64 KiB of data', () => {
    const ids = Array.from({ length: 5 }, (_, i) => makeId(base, BigInt(i)));
    const node = filled(ids, (i) => String(i).repeat(30_000));
    expect(node.packed).toBe(false);
    expectSlots(node, ids);
    expect(node.fieldsAt(4)).toEqual(['f', '4'.repeat(30_000)]);
  });

  it('pack IDs whose ms is past 2^53 exactly', () => {
    const ids = Array.from({ length: 20 }, (_, i) => makeId((1n << 63n) + BigInt(i) * 3n, BigInt(i)));
    const node = filled(ids);
    expect(node.packed).toBe(true);
    expectSlots(node, ids);
  });

  it('come back from their snapshot image as they were; a wide image whose slots fit comes back packed', () => {
    const packedIds = Array.from({ length: NODE_MAX_ENTRIES }, (_, i) => makeId(base + BigInt(i), 0n));
    const wideIds = [makeId(1n, 0n), makeId(2n, 1n << 50n)];
    for (const ids of [packedIds, packedIds.slice(0, 7), wideIds]) {
      const node = filled(ids);
      node.kill(1);
      const copy = StreamNode.adopt(node.snapshotImage());
      expect(copy.packed).toBe(node.packed);
      expect(copy).toMatchObject({ count: node.count, live: node.live });
      expectSlots(copy, ids);
      expect(Array.from({ length: copy.count }, (_, slot) => copy.fieldsAt(slot))).toEqual(Array.from({ length: node.count }, (_, slot) => node.fieldsAt(slot)));
    }
    const node = filled(packedIds.slice(0, 3));
    const image = node.snapshotImage();
    const words = image.packed!.words;
    const wide = new BigUint64Array(6);
    const offsets = new Uint32Array(3);
    for (let slot = 0; slot < 3; slot++) {
      wide[slot * 2] = packedIds[slot]! >> 64n;
      wide[slot * 2 + 1] = packedIds[slot]!;
      offsets[slot] = words[slot * 2 + 1]! & 0xffff;
    }
    const fromWide = StreamNode.adopt({ masterNames: image.masterNames, data: image.data, wide: { idWords: wide, offsets } });
    expect(fromWide.packed).toBe(true);
    expectSlots(fromWide, packedIds.slice(0, 3));
    expect(() => StreamNode.adopt({ masterNames: [], data: image.data, wide: { idWords: wide.reverse(), offsets } })).toThrow(RangeError);
  });
});

describe('StreamNode field records', () => {
  it('round-trips strings of every short length, ASCII or not, with and without the first entry names', () => {
    const stream = new Stream('s');
    const texts = Array.from({ length: 40 }, (_, n) => ['abcdefghijklmnopqrstuvwxyz0123456789!?-_'.slice(0, n), 'é'.repeat(n), `${'x'.repeat(n)}\ud800`]).flat();
    texts.forEach((text, i) => stream.append(makeId(1n, BigInt(i)), i % 2 === 0 ? ['name', text] : [text, 'value', 'other', text]));
    expect(stream.range(0n, MAX_ID, undefined).map((e) => e.fields)).toEqual(
      texts.map((text, i) => (i % 2 === 0 ? ['name', text] : [text, 'value', 'other', text])),
    );
  });
});
