import type { EffectBatch } from '../core/effects.js';

/**
 * Where the embedded backend sends each command's effects. `append` is
 * synchronous and keeps order; `sync` resolves once everything appended so far
 * is written, and fsynced when the policy says so (group commit: the batches
 * of one event-loop turn go out in one write).
 */
export interface EffectStore {
  append(batch: EffectBatch): void;
  /** Rejects with StreamError('STORAGE_UNAVAILABLE') when the write or fsync failed. */
  sync(): Promise<void>;
  close(): Promise<void>;
}

/** No persistence: for tests and for a deliberately volatile server. */
export class MemoryEffectStore implements EffectStore {
  append(_batch: EffectBatch): void {}
  async sync(): Promise<void> {}
  async close(): Promise<void> {}
}
