import { open, readdir, rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { FILE_HEADER_BYTES, encodeFileHeader } from './file-header.js';
import { writeFully, type StorageFs, type StorageFile } from './storage-fs.js';

/**
 * DATA_DIR layout. Generation g is `snapshot-g.sgs` (absent for g = 0: the
 * empty state) plus `log-g.sgl`, which holds every batch from the moment g
 * started; the snapshot was taken after that moment. The state is the newest
 * complete snapshot plus its log and every later one, in order.
 *
 *   LOCK                   the running server's pid (see lock.ts)
 *   log-000000000007.sgl   [header][record]...
 *   snapshot-000000000007.sgs [header][record]...[end marker]
 *   *.tmp                  a file being created; never read, removed at startup
 */
export const LOCK_FILE = 'LOCK';
const PAD = 12;

export const logName = (generation: number): string => `log-${String(generation).padStart(PAD, '0')}.sgl`;
export const snapshotName = (generation: number): string => `snapshot-${String(generation).padStart(PAD, '0')}.sgs`;

export interface DirListing {
  logs: number[];
  snapshots: number[];
  temporary: string[];
}

/** The generations present, each list ascending. */
export async function listDataDir(dir: string): Promise<DirListing> {
  const listing: DirListing = { logs: [], snapshots: [], temporary: [] };
  for (const name of await readdir(dir)) {
    let m: RegExpMatchArray | null;
    if (name.endsWith('.tmp')) listing.temporary.push(name);
    else if ((m = /^log-(\d+)\.sgl$/.exec(name))) listing.logs.push(Number(m[1]));
    else if ((m = /^snapshot-(\d+)\.sgs$/.exec(name))) listing.snapshots.push(Number(m[1]));
  }
  listing.logs.sort((a, b) => a - b);
  listing.snapshots.sort((a, b) => a - b);
  return listing;
}

/** fsync of the directory itself, so that a create, rename or unlink in it is durable. */
export async function syncDir(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * Creates `log-<generation>.sgl` with its header, atomically: written and
 * fsynced as a temp file, renamed, then the directory fsynced. Returns it
 * open for writing after the header.
 */
export async function createLogFile(dir: string, generation: number, fs: StorageFs): Promise<StorageFile> {
  const path = join(dir, logName(generation));
  const tmp = `${path}.tmp`;
  const file = await fs.open(tmp, 'wx');
  try {
    await writeFully(file, encodeFileHeader('log', generation), 0, FILE_HEADER_BYTES, 0);
    await file.datasync();
  } catch (err) {
    await file.close().catch(() => {});
    await unlink(tmp).catch(() => {});
    throw err;
  }
  await file.close();
  await rename(tmp, path);
  await syncDir(dir);
  return fs.open(path, 'r+');
}

export async function removeFiles(dir: string, names: string[]): Promise<void> {
  for (const name of names) await unlink(join(dir, name)).catch((err: NodeJS.ErrnoException) => {
    if (err.code !== 'ENOENT') throw err;
  });
}
