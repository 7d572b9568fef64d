import { open, rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import type { EffectBatch } from '../core/effects.js';
import type { Stream } from '../core/stream.js';
import { MAX_ID } from '../domain/ids.js';
import { ByteWriter } from './byte-writer.js';
import { snapshotName, syncDir } from './data-dir.js';
import { FILE_HEADER_BYTES, decodeFileHeader, encodeFileHeader } from './file-header.js';
import {
  SNAPSHOT_END_RECORD_BYTES,
  checkRecord,
  decodeRecord,
  encodeBatchRecord,
  encodeSnapshotEndRecord,
} from './record-codec.js';
import { NODES_PER_RECORD, encodeStreamNodesRecord } from './stream-nodes-record.js';
import { writeFully, type StorageFs } from './storage-fs.js';

/** What a snapshot is taken from; StreamCore provides it. */
export interface SnapshotSource {
  streamKeys(): string[];
  /** The stream under `key`, whose nodes the snapshot copies; undefined when it is gone. */
  streamForSnapshot(key: string): Stream | undefined;
  /** The stream's counters, groups, consumers and PELs as effect batches (none when it is gone), each taken in one step. */
  snapshotStreamState(key: string, batchSize?: number): EffectBatch[];
}

/** A stream's group effects are cut into records of at most this many, so that no record is huge. */
const EFFECTS_PER_RECORD = 4096;
/** Encoded bytes buffered before a write. */
const WRITE_BYTES = 4 * 1024 * 1024;

export interface SnapshotResult {
  path: string;
  streams: number;
  records: number;
  bytes: number;
}

/**
 * Encodes one stream's snapshot into `out`, one record per step: a `create`
 * batch, its nodes as they are (tombstones and node boundaries included), a
 * few at a time, then its counters and groups. The caller may let writes run
 * between steps: nodes are taken by first ID, resuming after the last one
 * taken and stopping at the node that held the stream's last slot when the
 * walk began (a node starting above it was made later, so its entries are in
 * the log). Only the last node can grow, so a node taken early and appended
 * to later gets those entries back from the log: replaying the log from
 * before the first step over the result converges (see core/effects.ts).
 */
export function* encodeStreamSnapshot(out: ByteWriter, source: SnapshotSource, key: string): Generator<void> {
  const start = source.streamForSnapshot(key);
  if (start === undefined) return;
  const end = start.lastSlotId();
  encodeBatchRecord(out, [{ op: 'create', key }]);
  yield;
  let from = 0n;
  for (;;) {
    const stream = source.streamForSnapshot(key);
    if (stream === undefined) return;
    const nodes = stream.nodesBetween(from, end, NODES_PER_RECORD);
    if (nodes.length === 0) break;
    const taken = encodeStreamNodesRecord(out, key, nodes);
    const last = nodes[taken - 1]!.lastId();
    yield;
    if (last === MAX_ID) break;
    from = last + 1n;
  }
  for (const batch of source.snapshotStreamState(key, EFFECTS_PER_RECORD)) {
    encodeBatchRecord(out, batch);
    yield;
  }
}

/**
 * Writes `snapshot-<generation>.sgs`: a header, each stream's records (one
 * stream at a time, yielding to the event loop between records, so that
 * requests keep being served), then an end marker that gives the record
 * count. Written as a temp file, fsynced, renamed, and the
 * directory fsynced: a snapshot under its final name is always complete.
 * `cancelled` is polled between records; a cancelled or failed snapshot
 * leaves no file behind.
 */
export async function writeSnapshot(
  dir: string,
  generation: number,
  source: SnapshotSource,
  fs: StorageFs,
  cancelled: () => boolean = () => false,
): Promise<SnapshotResult> {
  const path = join(dir, snapshotName(generation));
  const tmp = `${path}.tmp`;
  const file = await fs.open(tmp, 'wx');
  let ok = false;
  try {
    const out = new ByteWriter(WRITE_BYTES + 1024 * 1024);
    let offset = 0;
    const flush = async () => {
      await writeFully(file, out.buf, 0, out.length, offset);
      offset += out.length;
      out.reset();
    };
    const header = encodeFileHeader('snapshot', generation);
    header.copy(out.buf, 0);
    out.pos = FILE_HEADER_BYTES;

    let records = 0;
    const keys = source.streamKeys();
    for (const key of keys) {
      if (cancelled()) throw new Error('snapshot cancelled');
      for (const _ of encodeStreamSnapshot(out, source, key)) {
        records++;
        if (out.length >= WRITE_BYTES) await flush();
        await yieldToLoop();
      }
    }
    encodeSnapshotEndRecord(out, BigInt(records), BigInt(offset + out.length));
    await flush();
    await file.datasync();
    await file.close();
    ok = true;
    await rename(tmp, path);
    await syncDir(dir);
    return { path, streams: keys.length, records, bytes: offset };
  } finally {
    if (!ok) {
      await file.close().catch(() => {});
      await unlink(tmp).catch(() => {});
    }
  }
}

/**
 * Whether a snapshot file is complete: a valid header for `generation`, and a
 * valid end marker as its very last bytes that says where it starts. Reads
 * only the two ends of the file; the records between are checked as they load.
 */
export async function checkSnapshotComplete(path: string, generation: number): Promise<{ records: bigint } | { error: string }> {
  const handle = await open(path, 'r');
  try {
    const size = (await handle.stat()).size;
    if (size < FILE_HEADER_BYTES + SNAPSHOT_END_RECORD_BYTES) return { error: `only ${size} bytes` };
    const header = Buffer.alloc(FILE_HEADER_BYTES);
    await handle.read(header, 0, FILE_HEADER_BYTES, 0);
    const decoded = decodeFileHeader('snapshot', header);
    if ('error' in decoded) return { error: decoded.error };
    if (decoded.generation !== generation) return { error: `header says generation ${decoded.generation}` };
    const tail = Buffer.alloc(SNAPSHOT_END_RECORD_BYTES);
    const markerAt = size - SNAPSHOT_END_RECORD_BYTES;
    await handle.read(tail, 0, SNAPSHOT_END_RECORD_BYTES, markerAt);
    if (checkRecord(tail, 0, tail.length).status !== 'ok') return { error: 'no end marker (interrupted while written?)' };
    const marker = decodeRecord(tail);
    if (marker.kind !== 'snapshot-end' || marker.offset !== BigInt(markerAt)) return { error: 'no end marker (interrupted while written?)' };
    return { records: marker.records };
  } catch (err) {
    return { error: `unreadable: ${(err as Error).message}` };
  } finally {
    await handle.close();
  }
}
