import { describe, expect, it } from 'vitest';
import { compareNames, Consumer, ConsumerGroup, PendingEntry } from '../../src/core/consumer-group.js';
import { id } from './helpers.js';

describe('ConsumerGroup', () => {
  it("shares one pending entry between the group's PEL and its owner's, moving it on reassignment", () => {
    const g = new ConsumerGroup('g', 0n, null);
    const a = new Consumer('a', 1);
    const b = new Consumer('b', 1);
    const first = g.assign(id('1-0'), a, 10, 1);
    expect(g.pel.get(id('1-0'))).toBe(first);
    expect(a.pel.get(id('1-0'))).toBe(first);
    const moved = g.assign(id('1-0'), b, 20, 2);
    expect(moved).toBe(first);
    expect(moved).toMatchObject({ consumer: b, deliveryTime: 20, deliveryCount: 2 });
    expect(a.pel.size).toBe(0);
    expect(b.pel.get(id('1-0'))).toBe(first);
    g.assign(id('1-0'), b, 30, 3);
    expect(b.pel.get(id('1-0'))).toMatchObject({ deliveryTime: 30, deliveryCount: 3 });
    expect(g.pel.size).toBe(1);
  });

  it('releases an entry from both PELs, once', () => {
    const g = new ConsumerGroup('g', 0n, null);
    const a = new Consumer('a', 1);
    g.assign(id('1-0'), a, 10, 1);
    g.assign(id('2-0'), a, 10, 1);
    expect(g.release(id('1-0'))).toBe(true);
    expect(g.release(id('1-0'))).toBe(false);
    expect([...g.pel.keys()]).toEqual([id('2-0')]);
    expect([...a.pel.keys()]).toEqual([id('2-0')]);
  });

  it('lists consumers bytewise by name, as Redis does', () => {
    const g = new ConsumerGroup('g', 0n, null);
    for (const name of ['b', 'B', 'ab', 'a', '\u{1F600}', '\uFFFD']) g.consumers.set(name, new Consumer(name, 0));
    expect(g.sortedConsumers().map((c) => c.name)).toEqual(['B', 'a', 'ab', 'b', '\uFFFD', '\u{1F600}']);
  });
});

describe('compareNames', () => {
  it('orders by code point (UTF-8 bytes), not by UTF-16 unit', () => {
    // U+1F600 is the surrogate pair D83D DE00, below U+FFFD in UTF-16 but above it in UTF-8.
    expect('\u{1F600}' < '\uFFFD').toBe(true);
    expect(compareNames('\u{1F600}', '\uFFFD')).toBeGreaterThan(0);
    expect(compareNames('a', 'ab')).toBeLessThan(0);
    expect(compareNames('ab', 'ab')).toBe(0);
    expect(compareNames('b', 'a')).toBeGreaterThan(0);
  });
});

describe('PendingEntry delivery time', () => {
  it('keeps every safe integer ms, set at construction or later', () => {
    const times = [0, 1, 2 ** 30 - 1, 2 ** 30, 2 ** 30 + 1, 1_700_000_000_123, 2 ** 52 + 7, Number.MAX_SAFE_INTEGER, -1, -(2 ** 31)];
    for (const time of times) {
      const entry = new PendingEntry(1n, null, time, 1);
      expect(entry.deliveryTime).toBe(time);
      entry.deliveryTime = time + 1;
      expect(entry.deliveryTime).toBe(time + 1);
    }
  });
});
