import { describe, expect, it } from 'vitest';
import type { EffectBatch } from '../../src/core/effects.js';
import { WaiterRegistry, type Waiter } from '../../src/core/waiters.js';

const added: EffectBatch = [{ op: 'add', key: 's', id: 1n, fields: ['n', '1'], entriesAdded: 1n }];

function waiter(done: boolean, log: string[], name: string): Waiter {
  return { keys: ['s'], wakeOn: 'data', attempt: () => (log.push(name), done), fail: () => {}, expire: () => log.push(`${name} expired`) };
}

describe('WaiterRegistry', () => {
  it('counts as served the waiters whose re-run read finished, not those that keep waiting or expire', async () => {
    const registry = new WaiterRegistry();
    const log: string[] = [];
    registry.add(waiter(true, log, 'a'), 0);
    registry.add(waiter(false, log, 'b'), 0);
    registry.onBatch(added);
    expect(log).toEqual([]);
    await Promise.resolve();
    expect(log).toEqual(['a', 'b']);
    expect(registry.served).toBe(1);
    expect(registry.size).toBe(1);
    registry.expireAll();
    expect(registry.served).toBe(1);
    expect(log).toEqual(['a', 'b', 'b expired']);
  });
});
