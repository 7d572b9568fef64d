/**
 * Storage benchmarks (not run by `npm test`):
 *   npx tsx test/storage/bench-storage.ts [appends|restart|all]
 *
 * appends: XADD-shaped batches from 50 concurrent appenders, each awaiting sync(), per fsync
 *          policy; once through the LogWriter alone and once through the embedded backend (core +
 *          store), which is what an HTTP XADD costs below the HTTP layer.
 * restart: a stream of 1,000,000 entries with 100,000 pending (900,000 entries in a snapshot, the
 *          rest and the deliveries in the log after it), then the time to open it into a fresh core.
 */
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createEmbeddedBackend } from '../../src/backends/embedded/embedded-backend.js';
import { StreamCore } from '../../src/core/stream-core.js';
import { createLogFile, listDataDir, logName, snapshotName } from '../../src/storage/data-dir.js';
import { FILE_HEADER_BYTES } from '../../src/storage/file-header.js';
import { openLogStore } from '../../src/storage/log-store.js';
import { LogWriter, type FsyncPolicy } from '../../src/storage/log-writer.js';
import { nodeStorageFs, silentLogger } from '../../src/storage/storage-fs.js';

const CONCURRENCY = 50;
const SECONDS = Number(process.env.BENCH_SECONDS ?? 3);

async function tempDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'streamgate-bench-'));
}

async function appendsThroughWriter(fsync: FsyncPolicy): Promise<string> {
  const dir = await tempDir();
  const writer = new LogWriter({ file: await createLogFile(dir, 0, nodeStorageFs), size: FILE_HEADER_BYTES }, { fsync, logger: silentLogger });
  let n = 0;
  const until = performance.now() + SECONDS * 1000;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async (_, c) => {
      for (let i = 0; performance.now() < until; i++) {
        writer.append([{ op: 'add', key: 'orders', id: (BigInt(Date.now()) << 64n) + BigInt(n), fields: ['client', String(c), 'seq', String(i), 'payload', 'x'.repeat(40)], entriesAdded: BigInt(n) }]);
        await writer.sync();
        n++;
      }
    }),
  );
  const { writes, fsyncs } = writer.stats;
  await writer.close();
  await rm(dir, { recursive: true, force: true });
  return `writer    fsync=${fsync.padEnd(8)} ${Math.round(n / SECONDS).toLocaleString('en').padStart(9)} appends/s  (${Math.round(n / writes)} batches per write, ${fsyncs} fsyncs)`;
}

async function appendsThroughBackend(fsync: FsyncPolicy): Promise<string> {
  const dir = await tempDir();
  const core = new StreamCore();
  const store = await openLogStore({ dir, fsync, logger: silentLogger }, core);
  const backend = createEmbeddedBackend({ core, store });
  let n = 0;
  const until = performance.now() + SECONDS * 1000;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async (_, c) => {
      for (let i = 0; performance.now() < until; i++) {
        await backend.append('orders', { id: { kind: 'auto' }, fields: ['client', String(c), 'seq', String(i), 'payload', 'x'.repeat(40)] });
        n++;
      }
    }),
  );
  await backend.close();
  await rm(dir, { recursive: true, force: true });
  return `backend   fsync=${fsync.padEnd(8)} ${Math.round(n / SECONDS).toLocaleString('en').padStart(9)} XADD/s`;
}

async function buildRestartDir(): Promise<{ dir: string; expected: string; line: string }> {
  const dir = await tempDir();
  const ENTRIES = 1_000_000;
  const IN_SNAPSHOT = 900_000;
  const PENDING = 100_000;
  const base = BigInt(Date.now()) << 64n;
  const fields = (i: number) => ['user', `u${i % 1000}`, 'action', i % 3 ? 'view' : 'buy', 'amount', String(i % 997)];

  const t = performance.now();
  const core = new StreamCore();
  const store = await openLogStore({ dir, fsync: 'no', logger: silentLogger, snapshotLogBytes: Number.MAX_SAFE_INTEGER }, core);
  core.setSink((batch) => store.append(batch));
  for (let i = 0; i < IN_SNAPSHOT; i += 1000) {
    core.applyBatch(Array.from({ length: 1000 }, (_, j) => ({ op: 'add' as const, key: 'events', id: base + BigInt(i + j + 1), fields: fields(i + j), entriesAdded: BigInt(i + j + 1) })));
  }
  core.xgroupCreate('events', 'workers', { startId: 0n });
  await store.snapshot();
  for (let i = IN_SNAPSHOT; i < ENTRIES; i += 100) {
    core.xaddBatch('events', Array.from({ length: 100 }, (_, j) => ({ id: { kind: 'explicit' as const, id: base + BigInt(i + j + 1) }, fields: fields(i + j) })), {});
    if (i % 10_000 === 0) await store.sync();
  }
  for (let c = 0; c < 10; c++) {
    core.xreadgroup({ group: 'workers', consumer: `c${c}`, streams: [{ key: 'events', from: '>' }], count: PENDING / 10 });
  }
  await store.sync();
  const expected = JSON.stringify(summary(core));
  await store.close();
  const files = await listDataDir(dir);
  const snapBytes = (await stat(join(dir, snapshotName(files.snapshots[0]!)))).size;
  const logBytes = (await stat(join(dir, logName(files.logs[0]!)))).size;
  const line =
    `restart: ${ENTRIES.toLocaleString('en')} entries, ${PENDING.toLocaleString('en')} pending; snapshot ${(snapBytes / 1e6).toFixed(1)} MB ` +
    `+ log ${(logBytes / 1e6).toFixed(1)} MB (built in ${Math.round(performance.now() - t)} ms); each open in a fresh process:`;
  return { dir, expected, line };
}

/** Opens `dir` into a fresh core (in this process, which should be fresh) and prints the time and a state summary. */
async function openOnce(dir: string): Promise<void> {
  const t = performance.now();
  const cpu = process.cpuUsage();
  const core = new StreamCore();
  const store = await openLogStore({ dir, fsync: 'no', logger: silentLogger }, core);
  const ms = performance.now() - t;
  const used = process.cpuUsage(cpu);
  console.log(JSON.stringify({ ms, cpuMs: (used.user + used.system) / 1000, summary: JSON.stringify(summary(core)), heapMB: Math.round(process.memoryUsage().heapUsed / 1e6) }));
  await store.close();
}

async function restart(): Promise<string[]> {
  const { dir, expected, line } = await buildRestartDir();
  const out = [line];
  const { execFileSync } = await import('node:child_process');
  for (const flags of [[], ['--max-semi-space-size=32']]) {
    for (let run = 0; run < 3; run++) {
      const stdout = execFileSync(process.execPath, [...flags, '--import', 'tsx', new URL(import.meta.url).pathname, 'open', dir], { encoding: 'utf8' });
      const result = JSON.parse(stdout.trim().split('\n').pop()!) as { ms: number; summary: string; heapMB: number };
      if (result.summary !== expected) throw new Error(`restored state differs: ${result.summary} vs ${expected}`);
      out.push(
        `  open ${flags.join(' ') || '(default flags)'} #${run + 1}: ${Math.round(result.ms)} ms = ${Math.round(1_000_000 / (result.ms / 1000)).toLocaleString('en')} entries/s (heap ${result.heapMB} MB)`,
      );
    }
  }
  await rm(dir, { recursive: true, force: true });
  return out;
}

function summary(core: StreamCore) {
  const info = core.xinfoStream('events')!;
  const pending = core.xpendingSummary('events', 'workers');
  return { length: info.length, last: String(info.lastGeneratedId), added: String(info.entriesAdded), pending: pending.count, consumers: pending.consumers };
}

const what = process.argv[2] ?? 'all';
if (what === 'appends' || what === 'all') {
  for (const policy of ['always', 'everysec', 'no'] as const) console.log(await appendsThroughWriter(policy));
  for (const policy of ['always', 'everysec', 'no'] as const) console.log(await appendsThroughBackend(policy));
}
if (what === 'restart' || what === 'all') for (const line of await restart()) console.log(line);
if (what === 'open') await openOnce(process.argv[3]!);
if (what === 'build') console.log((await buildRestartDir()).dir);
