/**
 * Cost growth (scenario 7): core-level operations per second on a stream of
 * `size` entries whose group holds `pending` unacknowledged entries. Each
 * operation runs for `opMs`, `reps` times after one warm-up repetition; the
 * median rate is kept. The stream keeps its size: XADD batches are deleted
 * (untimed) after they are measured, and read+ack rewinds (untimed) when
 * the group reaches the end.
 */
import type { StreamCore } from '../../src/core/stream-core.js';
import type { StreamId } from '../../src/domain/ids.js';
import { median } from '../lib/stats.js';
import { importSrc, runWorkerMain, workerInput } from '../lib/worker-io.js';

export interface GrowthInput {
  size: number;
  pending: number;
  opMs: number;
  reps: number;
  modulesRoot: string;
  compiled: boolean;
}

export type GrowthOp = 'xadd' | 'xrange' | 'readAck' | 'xpending' | 'xautoclaim';

export interface GrowthResult {
  size: number;
  pending: number;
  opsPerSecond: Record<GrowthOp, number>;
  buildMs: number;
}

const KEY = 's';
const GROUP = 'g';
const COUNT = 10;
const CONSUMERS = ['c0', 'c1', 'c2', 'c3'];
const fields = (i: number): string[] => ['order', String(i), 'product', 'laptop', 'user', 'alice'];

/** A small deterministic PRNG, so that every size seeks the same way. */
function xorshift(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x / 0x1_0000_0000;
  };
}

runWorkerMain(async (): Promise<GrowthResult> => {
  const o = workerInput<GrowthInput>();
  const { StreamCore: Core } = await importSrc<{ StreamCore: typeof StreamCore }>(o.modulesRoot, o.compiled, 'core/stream-core.js');
  const { makeId, MAX_ID } = await importSrc<{ makeId: (ms: bigint, seq: bigint) => StreamId; MAX_ID: StreamId }>(o.modulesRoot, o.compiled, 'domain/ids.js');
  const core = new Core();
  const id = (i: number): StreamId => makeId(BigInt(i + 1), 0n);
  const bound = (x: StreamId) => ({ id: x, exclusive: false });

  const built = process.hrtime.bigint();
  for (let i = 0; i < o.size; i++) core.xadd(KEY, { id: { kind: 'explicit', id: id(i) }, fields: fields(i) });
  core.xgroupCreate(KEY, GROUP, { startId: 0n });
  for (let delivered = 0, c = 0; delivered < o.pending; c++) {
    const count = Math.min(1000, o.pending - delivered);
    core.xreadgroup({ group: GROUP, consumer: CONSUMERS[c % CONSUMERS.length]!, streams: [{ key: KEY, from: '>' }], count });
    delivered += count;
  }
  const pendingTop = id(o.pending - 1);
  const buildMs = Number(process.hrtime.bigint() - built) / 1e6;

  const random = xorshift(0x5eed);
  let nextAdd = o.size + 1;
  const ops: Record<GrowthOp, { run: () => void; after?: () => void }> = {
    xrange: {
      run() {
        core.xrange(KEY, { start: bound(id(Math.floor(random() * o.size))), end: bound(MAX_ID), count: COUNT });
      },
    },
    readAck: {
      run() {
        const read = () => core.xreadgroup({ group: GROUP, consumer: 'rw', streams: [{ key: KEY, from: '>' }], count: COUNT })[0];
        let result = read();
        if (result === undefined) {
          // At the end: rewind to just after the pending entries (acked ones are not pending, so they are simply read again).
          core.xgroupSetId(KEY, GROUP, { lastId: pendingTop });
          result = read()!;
        }
        core.xack(KEY, GROUP, result.entries.map((e) => e.id));
      },
    },
    xpending: {
      run() {
        core.xpendingRange(KEY, GROUP, { start: bound(id(Math.floor(random() * o.pending))), end: bound(MAX_ID), count: COUNT });
      },
    },
    xautoclaim: (() => {
      let n = 0;
      return {
        run() {
          core.xautoclaim(KEY, GROUP, { consumer: CONSUMERS[n++ % CONSUMERS.length]!, minIdleMs: 0, start: id(Math.floor(random() * o.pending)), count: COUNT });
        },
      };
    })(),
    // Last: its untimed XDELs set max-deleted-entry-id, which changes how group reads count entries-read.
    xadd: (() => {
      const added: StreamId[] = [];
      return {
        run() {
          const x = makeId(BigInt(nextAdd++), 0n);
          core.xadd(KEY, { id: { kind: 'explicit', id: x }, fields: fields(nextAdd) });
          added.push(x);
        },
        after() {
          for (let i = 0; i < added.length; i += 1000) core.xdel(KEY, added.slice(i, i + 1000));
          added.length = 0;
        },
      };
    })(),
  };

  // A full collection before each operation, so that none is measured while the collector still works
  // through the garbage of the build (concurrent marking and sweeping of a 1M-entry heap take seconds).
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) throw new Error('run with --expose-gc');
  const opsPerSecond = {} as Record<GrowthOp, number>;
  for (const [name, op] of Object.entries(ops) as [GrowthOp, (typeof ops)[GrowthOp]][]) {
    gc();
    const rates: number[] = [];
    for (let rep = 0; rep < o.reps + 1; rep++) {
      let done = 0;
      let elapsed = 0n;
      const budget = BigInt(o.opMs) * 1_000_000n;
      // Timed in slices of 256 calls, so the clock is read rarely; untimed upkeep between slices.
      while (elapsed < budget) {
        const start = process.hrtime.bigint();
        for (let i = 0; i < 256; i++) op.run();
        elapsed += process.hrtime.bigint() - start;
        done += 256;
        op.after?.();
      }
      // The first repetition warms the JIT and is not counted.
      if (rep > 0) rates.push(done / (Number(elapsed) / 1e9));
    }
    opsPerSecond[name] = median(rates)!;
  }
  if (core.xlen(KEY) !== o.size) throw new Error(`the stream drifted to ${core.xlen(KEY)} entries from ${o.size}`);
  if (core.xpendingSummary(KEY, GROUP).count !== o.pending) throw new Error(`the PEL drifted to ${core.xpendingSummary(KEY, GROUP).count} from ${o.pending}`);
  return { size: o.size, pending: o.pending, opsPerSecond, buildMs };
});
