import { nodeStorageFs, type StorageFile, type StorageFs } from '../../../src/storage/storage-fs.js';

export type FaultStep = 'write' | 'datasync' | 'truncate';

/** Returns an error to throw at this step, or undefined to let it run. `partial` writes half the bytes first. */
export type FaultHook = (step: FaultStep, file: string, info: { position?: number; length?: number }) => { error: NodeJS.ErrnoException; partial?: boolean } | undefined;

export function fsError(code: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`${code}: injected fault`), { code });
}

/** The real file system, with a hook that can fail any write, fdatasync or truncate, and a delay on writes. */
export function faultyFs(hook: FaultHook, options: { writeDelayMs?: number } = {}) {
  const calls: { step: FaultStep; file: string; position?: number; length?: number }[] = [];
  const fs: StorageFs = {
    async open(path, flags) {
      const real = await nodeStorageFs.open(path, flags);
      const file: StorageFile = {
        path,
        async write(buffer, offset, length, position) {
          calls.push({ step: 'write', file: path, position, length });
          if (options.writeDelayMs) await new Promise((r) => setTimeout(r, options.writeDelayMs));
          const fault = hook('write', path, { position, length });
          if (fault) {
            if (fault.partial) await real.write(buffer, offset, Math.max(1, length >> 1), position);
            throw fault.error;
          }
          return real.write(buffer, offset, length, position);
        },
        async datasync() {
          calls.push({ step: 'datasync', file: path });
          const fault = hook('datasync', path, {});
          if (fault) throw fault.error;
          return real.datasync();
        },
        async truncate(length) {
          calls.push({ step: 'truncate', file: path, length });
          const fault = hook('truncate', path, { length });
          if (fault) throw fault.error;
          return real.truncate(length);
        },
        close: () => real.close(),
      };
      return file;
    },
  };
  return { fs, calls };
}
