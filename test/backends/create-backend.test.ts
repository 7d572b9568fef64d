import { readdir } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { createBackend, MEMORY_DATA_DIR } from '../../src/backends/create-backend.js';
import { silentLogger } from '../../src/storage/storage-fs.js';
import { useTempDirs } from '../storage/helpers/temp-dir.js';

const tempDir = useTempDirs();

describe('createBackend', () => {
  it('keeps what it acknowledged in DATA_DIR across a restart', async () => {
    const dataDir = await tempDir();
    const config = { dataDir, fsync: 'always' as const, snapshotLogBytes: 64 * 1024 * 1024 };
    const first = await createBackend(config, { logger: silentLogger });
    const id = await first.append('orders', { id: { kind: 'auto' }, fields: ['item', 'book'] });
    await first.createGroup('orders', 'g', { startId: 0n });
    await first.readGroup({ group: 'g', consumer: 'c', streams: [{ key: 'orders', from: '>' }] }, { waitMs: 0 });
    const state = first.core.debugState();
    await first.close();
    expect(await readdir(dataDir)).toEqual(['log-000000000000.sgl']);

    const second = await createBackend(config, { logger: silentLogger });
    expect(second.core.debugState()).toEqual(state);
    expect((await second.range('orders', { start: { id: 0n, exclusive: false }, end: { id: id!, exclusive: false } }))?.[0]?.fields).toEqual(['item', 'book']);
    await second.close();
  });

  it(`runs without persistence when DATA_DIR is ${MEMORY_DATA_DIR}`, async () => {
    const backend = await createBackend({ dataDir: MEMORY_DATA_DIR, fsync: 'always', snapshotLogBytes: 1024 });
    await backend.append('s', { id: { kind: 'auto' }, fields: ['a', '1'] });
    expect(await backend.length('s')).toBe(1);
    await backend.close();
  });
});
