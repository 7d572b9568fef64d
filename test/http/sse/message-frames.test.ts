import { describe, expect, it } from 'vitest';
import type { Delivery } from '../../../src/domain/types.js';
import { MessageFrames } from '../../../src/http/sse/message-frames.js';

/** A read as the core returns it: fresh objects and fresh field arrays every time. */
const read = (entries: [bigint, string[] | null, number?][]): Delivery[] =>
  entries.map(([id, fields, deliveryCount]) => (deliveryCount === undefined ? { id, fields: fields && [...fields] } : { id, fields: fields && [...fields], deliveryCount }));

const frame = (id: string, data: unknown) => `id: ${id}\nevent: message\ndata: ${JSON.stringify(data)}\n\n`;

describe('MessageFrames', () => {
  it('encodes each entry as one message event, in the requested fields format', () => {
    const frames = new MessageFrames();
    const entries = read([
      [(1n << 64n) | 0n, ['a', '1', 'b', '2']],
      [(1n << 64n) | 1n, null],
    ]);
    expect(frames.encode(entries, 'object').toString()).toBe(frame('1-0', { id: '1-0', fields: { a: '1', b: '2' } }) + frame('1-1', { id: '1-1', fields: null }));
    expect(frames.encode(entries, 'pairs').toString()).toBe(frame('1-0', { id: '1-0', fields: [['a', '1'], ['b', '2']] }) + frame('1-1', { id: '1-1', fields: null }));
  });

  it('gives subscribers that read the same entries the very same bytes, per format', () => {
    const frames = new MessageFrames();
    const entries = (): Delivery[] => read([[(5n << 64n) | 0n, ['k', 'v']], [(6n << 64n) | 0n, ['k', 'w']]]);
    const first = frames.encode(entries(), 'object');
    const pairs = frames.encode(entries(), 'pairs');
    const second = frames.encode(entries(), 'object');
    expect(second).toBe(first);
    expect(frames.encode(entries(), 'pairs')).toBe(pairs);
    expect(pairs.toString()).toContain('"fields":[["k","v"]]');
    expect(first.toString()).toContain('"fields":{"k":"v"}');
  });

  it('shares nothing when an ID came back with other fields, or the delivery count differs', () => {
    const frames = new MessageFrames();
    const id = (7n << 64n) | 0n;
    const before = frames.encode(read([[id, ['k', 'old'], 1]]), 'object');
    const recreated = frames.encode(read([[id, ['k', 'new'], 1]]), 'object');
    expect(recreated).not.toBe(before);
    expect(recreated.toString()).toBe(frame('7-0', { id: '7-0', fields: { k: 'new' }, deliveryCount: 1 }));
    const redelivered = frames.encode(read([[id, ['k', 'new'], 2]]), 'object');
    expect(redelivered.toString()).toBe(frame('7-0', { id: '7-0', fields: { k: 'new' }, deliveryCount: 2 }));
    expect(frames.encode(read([[id, ['k', 'new']]]), 'object').toString()).toBe(frame('7-0', { id: '7-0', fields: { k: 'new' } }));
  });
});
