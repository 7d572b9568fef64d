import calculateSlot from 'cluster-key-slot';
import { describe, expect, it } from 'vitest';
import { companionBase, groupKeyList, groupKeys, slotTag } from '../../../src/backends/redis/policy-keys.js';

describe("the companion keys of a stream's delivery policies", () => {
  const keys = ['orders', 'sg:orders', '{orders}', '{orders}-dlq', 'a{b}c', 'a}b', '{}x', '}{', 'x{y', '{a', 'é{ü}', 'sg:{t}a}b'];

  it.each(keys)('share the slot of %j for every group', (key) => {
    for (const group of ['g', 'a:T', '{other}', '}']) {
      for (const companion of groupKeyList(groupKeys(key, group))) expect(calculateSlot(companion), companion).toBe(calculateSlot(key));
    }
  });

  it('append to a key with a hash tag, wrap a key without `}`, and use a slot tag otherwise', () => {
    expect(companionBase('{orders}-dlq')).toBe('{orders}-dlq:sg:');
    expect(companionBase('orders')).toBe('{orders}:sg:');
    expect(companionBase('x{y')).toBe('{x{y}:sg:');
    expect(companionBase('a}b')).toBe(`{${slotTag(calculateSlot('a}b'))}}:sg:a}b:`);
    expect(companionBase('{}x')).toBe(`{${slotTag(calculateSlot('{}x'))}}:sg:{}x:`);
  });

  it('keep the groups of one stream apart', () => {
    const names = new Set(['a', 'a:T', 'a:O', 'b'].flatMap((g) => groupKeyList(groupKeys('s', g)).slice(2)));
    expect(names.size).toBe(16);
  });
});
