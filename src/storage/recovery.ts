import { truncate } from 'node:fs/promises';
import { join } from 'node:path';
import type { EffectBatch } from '../core/effects.js';
import { streamError } from '../domain/errors.js';
import type { Stream } from '../core/stream.js';
import { listDataDir, logName, removeFiles, snapshotName, syncDir } from './data-dir.js';
import { scanRecordFile, type ScanResult } from './record-scanner.js';
import { checkSnapshotComplete } from './snapshot.js';
import type { StorageLogger } from './storage-fs.js';

/** Which files make up the state: the newest usable snapshot (or none: the empty state) and the logs after it. */
export interface RecoveryPlan {
  /** The snapshot's generation; undefined when starting from the empty state (generation 0). */
  snapshot?: number;
  logs: number[];
  /** Files that are no longer part of the state (older generations, incomplete snapshots). */
  obsolete: string[];
}

export function repairHint(dir: string): string {
  return `npm run repair-log -- ${dir}`;
}

/** Picks the newest complete snapshot whose logs are all there; incomplete snapshots are passed over with a warning. */
export async function planRecovery(dir: string, logger: StorageLogger): Promise<RecoveryPlan> {
  const listing = await listDataDir(dir);
  const { logs, snapshots } = listing;
  const obsolete: string[] = [...listing.temporary];
  const logsFrom = (generation: number): number[] | undefined => {
    const after = logs.filter((g) => g >= generation);
    if (after[0] !== generation) return undefined;
    return after.every((g, i) => g === generation + i) ? after : undefined;
  };

  for (let i = snapshots.length - 1; i >= 0; i--) {
    const generation = snapshots[i]!;
    const complete = await checkSnapshotComplete(join(dir, snapshotName(generation)), generation);
    if ('error' in complete) {
      logger.warn({ file: join(dir, snapshotName(generation)), reason: complete.error }, 'ignoring an incomplete snapshot; using the generation before it');
      obsolete.push(snapshotName(generation));
      continue;
    }
    const chain = logsFrom(generation);
    if (chain === undefined) {
      throw streamError('STORAGE_UNAVAILABLE', 'snapshotWithoutLogs', dir, snapshotName(generation), missingLogs(generation, logs));
    }
    for (const g of snapshots) if (g < generation) obsolete.push(snapshotName(g));
    for (const g of logs) if (g < generation) obsolete.push(logName(g));
    return { snapshot: generation, logs: chain, obsolete };
  }

  if (logs.length === 0) return { logs: [], obsolete };
  const chain = logsFrom(0);
  if (chain === undefined) {
    throw streamError('STORAGE_UNAVAILABLE', 'partialHistory', dir, logs.map(logName).join(', '));
  }
  return { logs: chain, obsolete };
}

function missingLogs(from: number, logs: number[]): string {
  const max = Math.max(from, ...logs);
  const missing: string[] = [];
  for (let g = from; g <= max; g++) if (!logs.includes(g)) missing.push(logName(g));
  return `${missing.join(', ')} ${missing.length === 1 ? 'is' : 'are'}`;
}

/** What the load fills: a core that replays effects, and whose streams take restored nodes. */
export interface LoadTarget {
  applyBatch(batch: EffectBatch): void;
  streamForSnapshot(key: string): Stream | undefined;
}

export interface LoadResult {
  plan: RecoveryPlan;
  /** The last log, scanned (and cut back if its tail was torn); the writer continues it. */
  lastLog?: ScanResult;
  batches: number;
  entries: number;
}

/**
 * Loads the state into `apply`: the snapshot, then each log in order. A torn
 * tail on the last log is cut off with a warning; any other bad record stops
 * the load with an error naming the file and offset and the repair command.
 */
export async function loadDataDir(dir: string, core: LoadTarget, logger: StorageLogger): Promise<LoadResult> {
  const plan = await planRecovery(dir, logger);
  let batches = 0;
  let entries = 0;
  const onBatch = (batch: EffectBatch) => {
    core.applyBatch(batch);
    batches++;
    for (const e of batch) if (e.op === 'add') entries++;
  };

  if (plan.snapshot !== undefined) {
    const path = join(dir, snapshotName(plan.snapshot));
    let endMarker: bigint | undefined;
    let records = 0;
    const scan = await scanRecordFile(path, 'snapshot', (record, offset) => {
      if (record.kind === 'snapshot-end') {
        endMarker = record.records;
        return;
      }
      records++;
      if (record.kind === 'batch') {
        onBatch(record.batch);
        return;
      }
      const stream = core.streamForSnapshot(record.key);
      if (stream === undefined) throw streamError('STORAGE_UNAVAILABLE', 'nodesBeforeCreation', path, record.key, offset);
      stream.appendNodes(record.nodes);
      for (const node of record.nodes) entries += node.live;
    });
    if (scan.problem !== undefined || endMarker !== BigInt(records)) {
      const offset = scan.problem?.offset ?? scan.goodEnd;
      throw streamError('STORAGE_UNAVAILABLE', 'snapshotDamaged', path, offset, scan.problem?.reason ?? 'record count does not match its end marker');
    }
  }

  let lastLog: ScanResult | undefined;
  for (const [i, generation] of plan.logs.entries()) {
    const path = join(dir, logName(generation));
    const isLast = i === plan.logs.length - 1;
    const scan = await scanRecordFile(path, 'log', (record, offset) => {
      if (record.kind !== 'batch') throw streamError('STORAGE_UNAVAILABLE', 'snapshotRecordInLog', path, offset);
      onBatch(record.batch);
    });
    if (scan.generation !== generation) {
      throw streamError('STORAGE_UNAVAILABLE', 'wrongGeneration', path, scan.generation);
    }
    const problem = scan.problem;
    if (problem?.kind === 'torn' && isLast) {
      logger.warn(
        { file: path, offset: problem.offset, droppedBytes: problem.bytes, reason: problem.reason },
        `torn record at the end of ${path}: dropping its last ${problem.bytes} bytes (never acknowledged)`,
      );
      await truncate(path, problem.offset);
      scan.fileSize = problem.offset;
      delete scan.problem;
    } else if (problem !== undefined) {
      const what =
        problem.kind === 'corrupt'
          ? `a damaged record with ${problem.recordsAfter} valid record(s) after it`
          : `a torn record at its end, but later logs exist`;
      throw streamError('STORAGE_UNAVAILABLE', 'logDamaged', path, what, problem.offset, problem.reason, repairHint(dir), problem.bytes);
    }
    if (isLast) lastLog = scan;
  }
  return { plan, ...(lastLog && { lastLog }), batches, entries };
}

/** Removes what the plan calls obsolete, once the state has loaded. */
export async function removeObsolete(dir: string, plan: RecoveryPlan, logger: StorageLogger): Promise<void> {
  if (plan.obsolete.length === 0) return;
  logger.info({ dir, files: plan.obsolete }, 'removing files of older generations');
  await removeFiles(dir, plan.obsolete);
  await syncDir(dir);
}
