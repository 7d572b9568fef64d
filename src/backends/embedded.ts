import type { EffectBatch } from '../core/effects.js';
import { StreamError } from '../core/errors.js';
import { StreamCore } from '../core/stream-core.js';
import type { StreamCommands } from '../core/types.js';
import { MemoryEffectStore, type EffectStore } from '../storage/effect-store.js';
import type { AsyncStreamCommands, BlockingReadOptions, StreamBackend } from './backend.js';
import type { XreadgroupOptions, XreadgroupResult, XreadResult, XreadStream } from '../core/types.js';

export interface EmbeddedBackendOptions {
  core?: StreamCore;
  /** Where effects go. @defaultValue an in-memory store (nothing persisted) */
  store?: EffectStore;
}

/** Commands that change nothing: answered without waiting for storage. */
const READ_ONLY = new Set<keyof StreamCommands>([
  'listStreams',
  'exists',
  'xlen',
  'xrange',
  'xread',
  'xpendingSummary',
  'xpendingRange',
  'xinfoStream',
  'xinfoStreamFull',
  'xinfoGroups',
  'xinfoConsumers',
]);

/**
 * The in-process backend: the stream core, with every command's effects sent
 * to the store. A write answers only once the store says its batch is durable
 * (per the fsync policy); the batches of one event-loop turn share one write.
 */
export class EmbeddedBackend implements StreamBackend {
  readonly kind = 'embedded' as const;
  readonly core: StreamCore;
  private readonly store: EffectStore;
  private closing = false;
  private wroteThisCall = false;

  constructor(options: EmbeddedBackendOptions = {}) {
    this.core = options.core ?? new StreamCore();
    this.store = options.store ?? new MemoryEffectStore();
    this.core.setSink((batch: EffectBatch) => {
      this.wroteThisCall = true;
      this.store.append(batch);
    });
    for (const name of COMMANDS) {
      (this as unknown as Record<string, unknown>)[name] = (...args: unknown[]) => this.execute(name, args);
    }
  }

  private async execute(name: keyof StreamCommands, args: unknown[]): Promise<unknown> {
    if (this.closing && !READ_ONLY.has(name)) throw new StreamError('SHUTTING_DOWN', 'The server is shutting down');
    this.wroteThisCall = false;
    const result = (this.core[name] as (...a: unknown[]) => unknown)(...args);
    if (this.wroteThisCall) await this.store.sync();
    return result;
  }

  async readGroup(options: XreadgroupOptions & BlockingReadOptions): Promise<XreadgroupResult[]> {
    return this.execute('xreadgroup', [options]) as Promise<XreadgroupResult[]>;
  }

  async readStreams(streams: XreadStream[], count: number | undefined, _options: BlockingReadOptions): Promise<XreadResult[]> {
    return this.core.xread(streams, count);
  }

  isReady(): boolean {
    return !this.closing;
  }

  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    await this.store.close();
  }
}

const COMMANDS: (keyof StreamCommands)[] = [
  'listStreams',
  'exists',
  'del',
  'xadd',
  'xaddBatch',
  'xlen',
  'xrange',
  'xread',
  'xdel',
  'xtrim',
  'xsetid',
  'xgroupCreate',
  'xgroupSetId',
  'xgroupDestroy',
  'xgroupCreateConsumer',
  'xgroupDelConsumer',
  'xreadgroup',
  'xack',
  'xpendingSummary',
  'xpendingRange',
  'xclaim',
  'xautoclaim',
  'xinfoStream',
  'xinfoStreamFull',
  'xinfoGroups',
  'xinfoConsumers',
];

// The constructor installs one async wrapper per command.
export interface EmbeddedBackend extends AsyncStreamCommands {}

export function createEmbeddedBackend(options: EmbeddedBackendOptions = {}): EmbeddedBackend {
  return new EmbeddedBackend(options);
}
