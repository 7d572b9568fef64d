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
