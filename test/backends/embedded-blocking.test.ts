import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createEmbeddedBackend } from '../../src/backends/embedded/embedded-backend.js';
import { parseAddId, formatId } from '../../src/domain/ids.js';

const add = (backend: ReturnType<typeof createEmbeddedBackend>, key: string, n: number) =>
  backend.append(key, { id: parseAddId('*')!, fields: ['n', String(n)] });

async function groupStream() {
  const backend = createEmbeddedBackend();
  const key = `test-${randomUUID()}`;
  await backend.createGroup(key, 'g', { startId: '$', mkStream: true });
  return { backend, key };
}

describe('blocking group reads', () => {
  it('delivers every new message exactly once across waiters, oldest waiter first', async () => {
    const { backend, key } = await groupStream();
    const waiters = Array.from({ length: 20 }, (_, i) =>
      backend.readGroup({ group: 'g', consumer: `c${i}`, streams: [{ key, from: '>' }], count: 1 }, { waitMs: 5000 }),
    );
    for (let n = 0; n < 20; n++) await add(backend, key, n);
    const results = await Promise.all(waiters);
    const got = results.map((r) => r[0]!.entries[0]!.fields![1]);
    expect(got).toEqual(Array.from({ length: 20 }, (_, n) => String(n)));
    const summary = await backend.pendingSummary(key, 'g');
    expect(summary.count).toBe(20);
    expect(summary.consumers.every((c) => c.count === 1)).toBe(true);
    await backend.close();
  });

  it('a batch written in one turn is shared out in order', async () => {
    const { backend, key } = await groupStream();
    const a = backend.readGroup({ group: 'g', consumer: 'a', streams: [{ key, from: '>' }], count: 2 }, { waitMs: 5000 });
    const b = backend.readGroup({ group: 'g', consumer: 'b', streams: [{ key, from: '>' }], count: 2 }, { waitMs: 5000 });
    await backend.appendBatch(key, [0, 1, 2].map((n) => ({ id: parseAddId('*')!, fields: ['n', String(n)] })), {});
    expect((await a)[0]!.entries.map((e) => e.fields![1])).toEqual(['0', '1']);
    expect((await b)[0]!.entries.map((e) => e.fields![1])).toEqual(['2']);
    await backend.close();
  });

  it('a wait that times out answers no messages', async () => {
    const { backend, key } = await groupStream();
    const started = Date.now();
    const result = await backend.readGroup({ group: 'g', consumer: 'c', streams: [{ key, from: '>' }] }, { waitMs: 50 });
    expect(result).toEqual([]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(45);
    expect(backend.waiterCount).toBe(0);
    await backend.close();
  });

  it('an aborted wait is removed at once and takes nothing', async () => {
    const { backend, key } = await groupStream();
    const controller = new AbortController();
    const waiting = backend.readGroup({ group: 'g', consumer: 'gone', streams: [{ key, from: '>' }] }, { waitMs: 10_000, signal: controller.signal });
    controller.abort();
    expect(await waiting).toEqual([]);
    expect(backend.waiterCount).toBe(0);
    const id = await add(backend, key, 1);
    expect((await backend.pendingSummary(key, 'g')).count).toBe(0);
    const next = await backend.readGroup({ group: 'g', consumer: 'next', streams: [{ key, from: '>' }] }, { waitMs: 0 });
    expect(formatId(next[0]!.entries[0]!.id)).toBe(formatId(id!));
    await backend.close();
  });

  it('fails waiters with NOGROUP when the group is destroyed and NO_STREAM when the stream goes', async () => {
    const { backend, key } = await groupStream();
    const onGroup = backend.readGroup({ group: 'g', consumer: 'c', streams: [{ key, from: '>' }] }, { waitMs: 10_000 });
    await backend.destroyGroup(key, 'g');
    await expect(onGroup).rejects.toMatchObject({ code: 'NOGROUP' });
    await backend.createGroup(key, 'g', { startId: '$' });
    const onStream = backend.readGroup({ group: 'g', consumer: 'c', streams: [{ key, from: '>' }] }, { waitMs: 10_000 });
    const tail = backend.readStreams([{ key, after: '$' }], undefined, { waitMs: 10_000 });
    await backend.deleteStream(key);
    await expect(onStream).rejects.toMatchObject({ code: 'NO_STREAM' });
    await expect(tail).rejects.toMatchObject({ code: 'NO_STREAM' });
    await backend.close();
  });

  it('answers waiting reads with nothing on close', async () => {
    const { backend, key } = await groupStream();
    const waiting = backend.readGroup({ group: 'g', consumer: 'c', streams: [{ key, from: '>' }] }, { waitMs: 10_000 });
    await backend.close();
    expect(await waiting).toEqual([]);
  });
});

describe('blocking stream reads', () => {
  it('pins $ to the last ID when the wait begins', async () => {
    const backend = createEmbeddedBackend();
    const key = `test-${randomUUID()}`;
    await add(backend, key, 0);
    const tail = backend.readStreams([{ key, after: '$' }], 10, { waitMs: 5000 });
    await add(backend, key, 1);
    const result = await tail;
    expect(result[0]!.entries.map((e) => e.fields![1])).toEqual(['1']);
    await backend.close();
  });

  it('serves every tail reader the same new entry', async () => {
    const backend = createEmbeddedBackend();
    const key = `test-${randomUUID()}`;
    await add(backend, key, 0);
    const tails = Array.from({ length: 5 }, () => backend.readStreams([{ key, after: '$' }], 10, { waitMs: 5000 }));
    await add(backend, key, 7);
    for (const r of await Promise.all(tails)) expect(r[0]!.entries[0]!.fields).toEqual(['n', '7']);
    await backend.close();
  });
});

describe('a blocking read whose first write cannot be stored', () => {
  it('fails with STORAGE_UNAVAILABLE and leaves no waiter behind', async () => {
    const { StreamError } = await import('../../src/domain/errors.js');
    let failing = false;
    const store = {
      append() {},
      sync: async () => {
        if (failing) throw new StreamError('STORAGE_UNAVAILABLE', 'injected');
      },
      close: async () => {},
    };
    const backend = createEmbeddedBackend({ store });
    const key = `test-${randomUUID()}`;
    await backend.createGroup(key, 'g', { startId: '$', mkStream: true });
    failing = true;
    // The read creates its consumer (a write), which cannot be stored.
    await expect(backend.readGroup({ group: 'g', consumer: 'new', streams: [{ key, from: '>' }] }, { waitMs: 10_000 })).rejects.toMatchObject({
      code: 'STORAGE_UNAVAILABLE',
    });
    expect(backend.waiterCount).toBe(0);
    await backend.close();
  });
});

describe('a parked CLAIM read', () => {
  it('wakes by its timer when the earliest pending entry turns idle enough, and when an entry is nacked', async () => {
    const backend = createEmbeddedBackend();
    await backend.createGroup('c', 'g', { startId: '$', mkStream: true });
    await backend.append('c', { id: { kind: 'auto' }, fields: ['n', '1'] });
    await backend.readGroup({ group: 'g', consumer: 'a', streams: [{ key: 'c', from: '>' }] }, { waitMs: 0 });
    const started = Date.now();
    const claimed = await backend.readGroup(
      { group: 'g', consumer: 'b', streams: [{ key: 'c', from: '>' }], claimMinIdleMs: 150 },
      { waitMs: 5000 },
    );
    expect(claimed[0]!.entries[0]).toMatchObject({ deliveryCount: 2 });
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    expect(Date.now() - started).toBeLessThan(2000);

    const parked = backend.readGroup({ group: 'g', consumer: 'c', streams: [{ key: 'c', from: '>' }], claimMinIdleMs: 60_000 }, { waitMs: 5000 });
    await new Promise((r) => setTimeout(r, 20));
    expect(backend.waiterCount).toBe(1);
    const id = claimed[0]!.entries[0]!.id;
    expect(await backend.release('c', 'g', { ids: [id], mode: 'fail' })).toBe(1);
    const woken = await parked;
    expect(woken[0]!.entries.map((e) => e.id)).toEqual([id]);
    expect(backend.waiterCount).toBe(0);
    await backend.close();
  });

  it('re-arms its timer when an entry becomes pending after it parked (here by XCLAIM FORCE)', async () => {
    const backend = createEmbeddedBackend();
    const id = (await backend.append('d', { id: { kind: 'auto' }, fields: ['n', '1'] }))!;
    await backend.createGroup('d', 'g', { startId: '$' });
    const started = Date.now();
    const parked = backend.readGroup({ group: 'g', consumer: 'b', streams: [{ key: 'd', from: '>' }], claimMinIdleMs: 100 }, { waitMs: 5000 });
    await new Promise((r) => setTimeout(r, 10));
    expect(await backend.claim('d', 'g', { consumer: 'a', minIdleMs: 0, ids: [id], force: true })).toHaveLength(1);
    const woken = await parked;
    expect(woken[0]!.entries.map((e) => [e.id, e.deliveryCount])).toEqual([[id, 3]]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(100);
    await backend.close();
  });
});
