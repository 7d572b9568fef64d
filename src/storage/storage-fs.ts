import { writeSync } from 'node:fs';
import { open } from 'node:fs/promises';

/**
 * The file operations the log writer and the snapshot writer use. Small on
 * purpose: tests wrap it to inject ENOSPC, EIO and friends at any step.
 */
export interface StorageFile {
  readonly path: string;
  /** Positional write; may write fewer bytes than asked (the caller loops). */
  write(buffer: Buffer, offset: number, length: number, position: number): Promise<number>;
  datasync(): Promise<void>;
  /** A blocking `write`, for small writes where a thread-pool round trip costs more; optional. */
  writeSync?(buffer: Buffer, offset: number, length: number, position: number): number;
  truncate(length: number): Promise<void>;
  close(): Promise<void>;
}

export interface StorageFs {
  /** `flags` as fs.open takes them: 'r+' (existing), 'wx' (new, exclusive). */
  open(path: string, flags: string): Promise<StorageFile>;
}

export const nodeStorageFs: StorageFs = {
  async open(path, flags) {
    const handle = await open(path, flags, 0o644);
    return {
      path,
      async write(buffer, offset, length, position) {
        const { bytesWritten } = await handle.write(buffer, offset, length, position);
        return bytesWritten;
      },
      datasync: () => handle.datasync(),
      writeSync: (buffer, offset, length, position) => writeSync(handle.fd, buffer, offset, length, position),
      truncate: (length) => handle.truncate(length),
      close: () => handle.close(),
    };
  },
};

/** Writes all of `buffer[offset, offset + length)` at `position`. */
export async function writeFully(file: StorageFile, buffer: Buffer, offset: number, length: number, position: number): Promise<void> {
  let done = 0;
  while (done < length) {
    const n = await file.write(buffer, offset + done, length - done, position + done);
    if (n <= 0) throw Object.assign(new Error(`short write to ${file.path}`), { code: 'EIO' });
    done += n;
  }
}

/** Minimal logger contract; pino's loggers satisfy it. */
export interface StorageLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export const consoleLogger: StorageLogger = {
  info: (obj, msg) => console.info(msg, obj),
  warn: (obj, msg) => console.warn(msg, obj),
  error: (obj, msg) => console.error(msg, obj),
};

export const silentLogger: StorageLogger = { info() {}, warn() {}, error() {} };

export function errorCode(err: unknown): string {
  if (err !== null && typeof err === 'object' && 'code' in err && typeof err.code === 'string') return err.code;
  return err instanceof Error ? err.message : String(err);
}
