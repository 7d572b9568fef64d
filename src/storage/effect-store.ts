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
  /**
   * After a failed write, memory holds effects the log does not: rebuild the
   * core from what is stored (nothing may be appended meanwhile). Stores that
   * cannot fail leave it out.
   */
  reload?(core: { reset(): void; applyBatch(batch: EffectBatch): void }): Promise<void>;
}

/** No persistence: for tests and for a deliberately volatile server. */
export class MemoryEffectStore implements EffectStore {
  append(_batch: EffectBatch): void {}
  async sync(): Promise<void> {}
  async close(): Promise<void> {}
}
