import { describe, expect, it } from 'vitest';
import { createEmbeddedBackend } from '../../src/backends/embedded/embedded-backend.js';
import { StreamCore } from '../../src/core/stream-core.js';
import { openLogStore } from '../../src/storage/log-store.js';
import { silentLogger } from '../../src/storage/storage-fs.js';
import { useTempDirs } from '../storage/helpers/temp-dir.js';

const tempDir = useTempDirs();

async function durableBackend() {
  const core = new StreamCore();
  const store = await openLogStore({ dir: await tempDir(), fsync: 'always', logger: silentLogger }, core);
  const backend = createEmbeddedBackend({ core, store });
  await backend.createGroup('s', 'g', { startId: '$', mkStream: true });
  await backend.createGroup('s', 'h', { startId: '$' });
  return { backend, store };
}

describe('a wake on a durable backend', () => {
  it('stores the add and the deliveries of the reads it wakes in one write and one fdatasync', async () => {
    const { backend, store } = await durableBackend();
    const reads = ['g', 'h'].map((group) => backend.readGroup({ group, consumer: 'c', streams: [{ key: 's', from: '>' }], count: 1 }, { waitMs: 5000 }));
    // The parked reads' first attempts created their consumers: that write is done before counting.
    await store.sync();
    const before = { ...store.stats };
    const id = await backend.append('s', { id: { kind: 'auto' }, fields: ['n', '1'] });
    const results = await Promise.all(reads);
    expect(results.map((r) => r[0]!.entries[0]!.id)).toEqual([id, id]);
    expect(store.stats.writes - before.writes).toBe(1);
    expect(store.stats.fsyncs - before.fsyncs).toBe(1);
    // The XADD's batch and each woken read's delivery.
    expect(store.stats.batches - before.batches).toBe(3);
    await backend.close();
  });

  it('answers the woken readers before the writer', async () => {
    const { backend } = await durableBackend();
    const answered: string[] = [];
    const reads = ['g', 'h'].map((group) =>
      backend.readGroup({ group, consumer: 'c', streams: [{ key: 's', from: '>' }], count: 1 }, { waitMs: 5000 }).then(() => answered.push(`read ${group}`)),
    );
    const added = backend.append('s', { id: { kind: 'auto' }, fields: ['n', '1'] }).then(() => answered.push('add'));
    await Promise.all([...reads, added]);
    expect(answered).toEqual(['read g', 'read h', 'add']);
    await backend.close();
  });
});
