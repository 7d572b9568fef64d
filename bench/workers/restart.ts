/**
 * Restart scenario (9), in its own process:
 * - `fill`: `entries` messages and a group holding `pending` of them, written
 *   through the durable store (createBackend when src/backends has it, else
 *   openLogStore under a StreamCore), then closed cleanly;
 * - `load`: opens the same directory with openLogStore into a fresh core and
 *   answers how long the load took and what it found.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { StreamCore } from '../../src/core/stream-core.js';
import type { LogStore, LogStoreOptions } from '../../src/storage/log-store.js';
import { importSrc, runWorkerMain, workerInput } from '../lib/worker-io.js';

export interface RestartInput {
  action: 'fill' | 'load';
  dir: string;
  stream: string;
  group: string;
  entries: number;
  pending: number;
  modulesRoot: string;
  compiled: boolean;
}

export interface RestartResult {
  via: string;
  ms: number;
  length: number;
  pending: number;
}

const BATCH = 1000;
const silent = { info() {}, warn() {}, error() {} };

interface Commands {
  xaddBatch(key: string, messages: { id: { kind: 'auto' }; fields: string[] }[], options: object): unknown;
  xgroupCreate(key: string, group: string, options: { startId: bigint }): unknown;
  xreadgroup(options: { group: string; consumer: string; streams: { key: string; from: '>' }[]; count: number }): unknown;
}

async function fill(o: RestartInput, commands: Commands): Promise<void> {
  for (let from = 0; from < o.entries; from += BATCH) {
    const messages = [];
    for (let i = from; i < Math.min(o.entries, from + BATCH); i++) {
      messages.push({ id: { kind: 'auto' as const }, fields: ['order', String(i), 'product', 'laptop', 'user', 'alice'] });
    }
    await commands.xaddBatch(o.stream, messages, {});
  }
  await commands.xgroupCreate(o.stream, o.group, { startId: 0n });
  for (let delivered = 0, c = 0; delivered < o.pending; c++) {
    const count = Math.min(BATCH, o.pending - delivered);
    await commands.xreadgroup({ group: o.group, consumer: `c${c % 4}`, streams: [{ key: o.stream, from: '>' }], count });
    delivered += count;
  }
}

runWorkerMain(async (): Promise<RestartResult> => {
  const o = workerInput<RestartInput>();
  const { StreamCore: Core } = await importSrc<{ StreamCore: typeof StreamCore }>(o.modulesRoot, o.compiled, 'core/stream-core.js');
  const { openLogStore } = await importSrc<{ openLogStore: (options: LogStoreOptions, core: StreamCore) => Promise<LogStore> }>(
    o.modulesRoot,
    o.compiled,
    'storage/log-store.js',
  );
  const started = process.hrtime.bigint();
  const elapsedMs = (): number => Number(process.hrtime.bigint() - started) / 1e6;

  if (o.action === 'fill') {
    const createBackendFile = join(o.modulesRoot, 'src/backends', o.compiled ? 'create-backend.js' : 'create-backend.ts');
    if (existsSync(createBackendFile)) {
      // Filled through the backend's own core: its effects go to the store, which close() flushes.
      type Backend = { core: Commands; close(): Promise<void>; length(key: string): Promise<number> };
      const { createBackend } = await importSrc<{ createBackend: (config: object, options: object) => Promise<Backend> }>(
        o.modulesRoot,
        o.compiled,
        'backends/create-backend.js',
      );
      const backend = await createBackend({ dataDir: o.dir, fsync: 'no', snapshotLogBytes: 64 * 1024 * 1024 }, { logger: silent });
      await fill(o, backend.core);
      const length = await backend.length(o.stream);
      await backend.close();
      return { via: 'createBackend (src/backends/create-backend.ts)', ms: elapsedMs(), length, pending: o.pending };
    }
    const core = new Core();
    const store = await openLogStore({ dir: o.dir, fsync: 'no', logger: silent }, core);
    core.setSink((batch) => store.append(batch));
    let n = 0;
    await fill(o, {
      xaddBatch: async (...args) => {
        core.xaddBatch(...(args as Parameters<StreamCore['xaddBatch']>));
        if (++n % 50 === 0) await store.sync();
      },
      xgroupCreate: async (key, group, options) => core.xgroupCreate(key, group, options),
      xreadgroup: async (options) => core.xreadgroup(options),
    });
    await store.close();
    return { via: 'openLogStore (src/storage/log-store.ts) under a StreamCore', ms: elapsedMs(), length: core.xlen(o.stream), pending: o.pending };
  }

  const core = new Core();
  const store = await openLogStore({ dir: o.dir, fsync: 'no', logger: silent }, core);
  const ms = elapsedMs();
  const length = core.xlen(o.stream);
  const pending = core.xpendingSummary(o.stream, o.group).count;
  await store.close();
  return { via: 'openLogStore', ms, length, pending };
});
