import { randomUUID } from 'node:crypto';
import calculateSlot from 'cluster-key-slot';
import { Cluster, type Redis } from 'ioredis';
import type { RedisConnectionConfig } from '../../config.js';
import { compareNames } from '../../core/consumer-group.js';
import { redisReplyError, StreamError, streamError } from '../../domain/errors.js';
import { formatId, MAX_ID, type StreamId } from '../../domain/ids.js';
import type {
  ConsumerInfo,
  Delivery,
  Entry,
  GroupCreateOptions,
  GroupInfo,
  GroupSetIdOptions,
  ListStreamsOptions,
  ListStreamsResult,
  PendingEntryInfo,
  PendingRangeOptions,
  PendingSummary,
  StreamInfo,
  StreamInfoFull,
  StreamSummary,
  TrimSpec,
  XaddOptions,
  XautoclaimOptions,
  XautoclaimResult,
  XclaimOptions,
  XreadgroupOptions,
  XreadgroupResult,
  XreadResult,
  XreadStream,
  XrangeOptions,
  XsetidOptions,
  XnackOptions,
  StreamConfigOptions,
  RefPolicy,
  DeletionResult,
  IdempotentAddResult,
} from '../../domain/types.js';
import type { AckAndReadResult, BatchOptions, GroupAck, NewEntry, StreamBackend, Wait } from '../contract.js';
import { atLeast, createRedisClient, createSubscriber, masters, parseServerVersion, type RedisClient, type ServerVersion } from './connection.js';
import * as decode from './decode.js';
import type { Reply } from './decode.js';
import { batchArgs, boundArg, checkFields, countRepeatedClaims, escapeGlob, trimArgs, type Arg } from './arguments.js';
import { toStreamError, unavailable, waitShortfall } from './errors.js';
import type { ScriptName } from './scripts.js';
import { WakeHub, type HubWaiter, type Notice } from './wake-hub.js';

export interface RedisBackendOptions {
  connection: RedisConnectionConfig;
  /** Prepended to every stream name to make its key. @defaultValue `''` */
  keyPrefix?: string;
  /** WAIT for this many replicas after each write. @defaultValue 0 (no WAIT) */
  waitReplicas?: number;
  /** @defaultValue 1000 */
  waitTimeoutMs?: number;
  /** CLIENT SETNAME of every connection. @defaultValue `'streamgate'` */
  connectionName?: string;
}

type ScriptCommands = { [K in ScriptName]: (key: string, ...args: Arg[]) => Promise<Reply> };

const SCAN_COUNT = 1000;

/**
 * The streams on a Redis or Valkey server or Cluster. Every method is one
 * command or one single-key script (scripts.ts), answering what the embedded
 * backend answers. Waiting reads live in this process (wake-hub.ts).
 */
export class RedisBackend implements StreamBackend {
  readonly kind = 'redis' as const;
  readonly client: RedisClient;
  private readonly subscriber: RedisClient;
  private readonly scripts: ScriptCommands;
  private readonly prefix: string;
  private readonly waitReplicas: number;
  private readonly waitTimeoutMs: number;
  private readonly channel: string;
  /** Tells our own notices apart on the channel: they were acted on before they were sent. */
  private readonly origin = randomUUID();
  readonly hub: WakeHub;
  private closing = false;
  /** INFO server, read at each (re)connection; undefined until the first. */
  serverVersion: ServerVersion | undefined;

  constructor(options: RedisBackendOptions) {
    this.prefix = options.keyPrefix ?? '';
    this.waitReplicas = options.waitReplicas ?? 0;
    this.waitTimeoutMs = options.waitTimeoutMs ?? 1000;
    this.channel = `${this.prefix}streamgate:wake`;
    this.client = createRedisClient(options.connection, options.connectionName ?? 'streamgate');
    this.scripts = this.client as unknown as ScriptCommands;
    this.hub = new WakeHub(
      (stream) => this.probe(stream),
      (stream, kind, group) =>
        kind === 'deleted'
          ? streamError('NO_STREAM', 'deleted', stream)
          : streamError('NOGROUP', 'destroyed', stream, group!),
    );
    this.client.on('ready', () => {
      this.readServerVersion();
      this.hub.wakeAll();
    });
    this.subscriber = createSubscriber(this.client);
    this.subscriber.on('message', (channel: string, message: string) => this.onMessage(channel, message));
    // Notices sent while the subscriber was reconnecting are lost: everyone parked reads again.
    if (this.subscriber !== this.client) this.subscriber.on('ready', () => this.hub.wakeAll());
    this.subscribe();
  }

  /** Resolves once connected (or rejects after `timeoutMs`): for tests and startup logs; the backend works without it. */
  async connected(timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.isReady() || this.serverVersion === undefined) {
      if (Date.now() > deadline) throw unavailable('not connected');
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  private readServerVersion(): void {
    this.client.info('server').then(
      (info) => (this.serverVersion = parseServerVersion(info)),
      () => {},
    );
  }

  private subscribe(): void {
    const attempt = (): void => {
      if (this.closing) return;
      this.subscriber.subscribe(this.channel).catch(() => setTimeout(attempt, 200).unref());
    };
    if (this.subscriber instanceof Cluster && this.subscriber.status !== 'ready') this.subscriber.once('ready', attempt);
    else attempt();
  }

  private onMessage(channel: string, message: string): void {
    if (channel !== this.channel) return;
    const space = message.indexOf(' ');
    if (space < 0 || message.slice(0, space) === this.origin) return;
    try {
      this.hub.onNotice(JSON.parse(message.slice(space + 1)) as Notice);
    } catch {
      // Not ours to read.
    }
  }

  /** Wakes the waiters here at once and tells the other replicas. */
  private notify(notice: Notice): void {
    this.hub.onNotice(notice);
    this.client.publish(this.channel, `${this.origin} ${JSON.stringify(notice)}`).catch(() => {});
  }

  private key(stream: string): string {
    return this.prefix + stream;
  }

  /** Runs one request against Redis; errors become catalogue errors, naming the stream as the caller did. */
  private async run<T>(stream: string, request: () => Promise<T>): Promise<T> {
    if (this.closing) throw streamError('SHUTTING_DOWN', 'draining');
    try {
      return await request();
    } catch (err) {
      const error = toStreamError(err);
      if (this.prefix === '' || !error.message.includes(this.prefix)) throw error;
      return Promise.reject(redisReplyError(error.code, error.message.split(`'${this.key(stream)}'`).join(`'${stream}'`)));
    }
  }

  /** A write: run, then WAIT when configured, then wake readers. */
  private async write<T>(stream: string, request: () => Promise<T>, notice?: (result: T) => Notice | undefined): Promise<T> {
    const result = await this.run(stream, request);
    await this.replicated(stream);
    const n = notice?.(result);
    if (n !== undefined) this.notify(n);
    return result;
  }

  /**
   * WAIT numreplicas timeout on the connection the write went over (WAIT
   * counts that connection's writes), so on the key's master in a Cluster.
   */
  private async replicated(stream: string): Promise<void> {
    if (this.waitReplicas === 0) return;
    const connection = await this.connectionFor(this.key(stream));
    const acked = Number(await this.run(stream, () => connection.wait(this.waitReplicas, this.waitTimeoutMs)));
    if (acked < this.waitReplicas) throw waitShortfall(acked, this.waitReplicas, this.waitTimeoutMs);
  }

  /** The master holding `key`'s slot; the slot map is refreshed once when it does not know it (yet). */
  private async connectionFor(key: string): Promise<Redis> {
    const cluster = this.client;
    if (!(cluster instanceof Cluster)) return cluster;
    const lookup = (): Redis | undefined => {
      const owner = cluster.slots[calculateSlot(key)]?.[0];
      return cluster.nodes('master').find((n) => `${n.options.host}:${n.options.port}` === owner);
    };
    let node = lookup();
    if (node === undefined) {
      await new Promise<void>((resolve) => cluster.refreshSlotsCache(() => resolve()));
      node = lookup();
    }
    if (node === undefined) throw unavailable(`no master known for the slot of '${key}'`);
    return node;
  }

  /** The poller's fingerprint of a stream: last-generated-id, entries-added and group count; null when missing. */
  private async probe(stream: string): Promise<string | null> {
    try {
      const f = decode.fields((await this.client.xinfo('STREAM', this.key(stream))) as Reply);
      return `${f.get('last-generated-id') as string}/${f.get('entries-added') as string}/${f.get('groups') as string}`;
    } catch (err) {
      if (toStreamError(err).code === 'NO_STREAM') return null;
      throw err;
    }
  }

  // ---------------------------------------------------------------------------
  // Keyspace

  /**
   * SCAN 0 TYPE stream MATCH prefix* on every master, then sorted by name:
   * each page costs a walk of the whole keyspace (Redis has no ordered key
   * index), O(keys) per page, plus one XINFO STREAM per stream listed.
   */
  async listStreams(options: ListStreamsOptions): Promise<ListStreamsResult> {
    const prefix = options.prefix ?? '';
    const pattern = `${escapeGlob(this.key(prefix))}*`;
    const names = await this.run(prefix, async () => {
      const found: string[] = [];
      for (const node of masters(this.client)) {
        let cursor = '0';
        do {
          const [next, keys] = (await node.call('SCAN', cursor, 'MATCH', pattern, 'TYPE', 'stream', 'COUNT', SCAN_COUNT)) as [string, string[]];
          cursor = next;
          for (const key of keys) found.push(key.slice(this.prefix.length));
        } while (cursor !== '0');
      }
      return found;
    });
    const after = options.cursor;
    const sorted = [...new Set(names)].filter((name) => after === undefined || compareNames(name, after) > 0).sort(compareNames);
    const page = sorted.slice(0, options.limit);
    const infos = await Promise.all(page.map((name) => this.streamInfo(name).catch(() => null)));
    const streams: StreamSummary[] = [];
    page.forEach((name, i) => {
      const info = infos[i];
      if (info) streams.push({ name, length: info.length, lastGeneratedId: info.lastGeneratedId, groups: info.groups });
    });
    return { streams, nextCursor: sorted.length > options.limit ? page[page.length - 1]! : null };
  }

  async streamExists(stream: string): Promise<boolean> {
    return Number(await this.run(stream, () => this.client.exists(this.key(stream)))) === 1;
  }

  deleteStream(stream: string): Promise<boolean> {
    return this.write(
      stream,
      async () => Number(await this.client.del(this.key(stream))) === 1,
      (deleted) => (deleted ? ['d', stream] : undefined),
    );
  }

  // ---------------------------------------------------------------------------
  // Entries

  async append(stream: string, options: XaddOptions): Promise<StreamId | null> {
    this.refuseRedis8Options(options);
    checkFields(options.fields);
    const trim = options.trim && trimArgs(options.trim);
    if (options.id.kind === 'explicit' && options.id.id === 0n) throw streamError('ID_NOT_GREATER', 'zero');
    const key = this.key(stream);
    return this.write(
      stream,
      async () => {
        if (options.id.kind === 'auto-seq') {
          const reply = await this.scripts.sgAddBatch(key, options.noMkStream ? '1' : '0', '0', ...batchArgs(trim, [{ id: options.id, fields: options.fields }]));
          return reply === null ? null : decode.id((reply as Reply[])[0]!);
        }
        // `*` and explicit IDs: XADD checks exactly what the embedded core checks, in the same order.
        const args: Arg[] = [key];
        if (options.noMkStream) args.push('NOMKSTREAM');
        if (trim) args.push(...trim);
        args.push(options.id.kind === 'auto' ? '*' : formatId(options.id.id), ...options.fields);
        const reply = (await this.client.call('XADD', ...args)) as Reply;
        return reply === null ? null : decode.id(reply);
      },
      (id) => (id === null ? undefined : ['w', stream]),
    );
  }

  async appendBatch(stream: string, messages: NewEntry[], options: BatchOptions): Promise<StreamId[] | null> {
    this.refuseRedis8Options(options);
    if (messages.length === 0) throw streamError('VALIDATION', 'emptyBatch');
    messages.forEach((m) => checkFields(m.fields));
    const trim = options.trim && trimArgs(options.trim);
    return this.write(
      stream,
      async () => {
        const reply = await this.scripts.sgAddBatch(this.key(stream), options.noMkStream ? '1' : '0', '1', ...batchArgs(trim, messages));
        return reply === null ? null : (reply as Reply[]).map(decode.id);
      },
      (ids) => (ids === null ? undefined : ['w', stream]),
    );
  }

  async length(stream: string): Promise<number> {
    return Number(await this.run(stream, () => this.client.xlen(this.key(stream))));
  }

  async range(stream: string, options: XrangeOptions): Promise<Entry[] | null> {
    const start = boundArg(options.start, 'start');
    const end = boundArg(options.end, 'end');
    const args: Arg[] = options.reverse ? ['XREVRANGE', end, start] : ['XRANGE', start, end];
    if (options.count !== undefined) args.push('COUNT', options.count);
    const reply = await this.run(stream, () => this.scripts.sgRange(this.key(stream), ...args));
    return reply === null ? null : decode.entries(reply);
  }

  async readStreams(streams: XreadStream[], count: number | undefined, wait: Wait): Promise<XreadResult[]> {
    const pinned = await Promise.all(
      streams.map(async (s) => ({ key: s.key, after: s.after === '$' ? await this.lastIdOf(s.key) : s.after })),
    );
    const read = (): Promise<XreadResult[]> => this.readOnce(pinned, count);
    const { waitMs, signal } = wait;
    if (waitMs <= 0 || signal?.aborted || this.closing || pinned.some((s) => s.after === '+')) return read();
    return this.block(
      pinned.map((s) => s.key),
      undefined,
      'data',
      waitMs,
      signal,
      async () => {
        const result = await read();
        return result.length > 0 ? result : undefined;
      },
    );
  }

  /** XREAD without BLOCK, one XRANGE per key (a Cluster refuses one XREAD over keys of several slots). */
  private async readOnce(streams: { key: string; after: StreamId | '+' }[], count: number | undefined): Promise<XreadResult[]> {
    const replies = await Promise.all(
      streams.map(({ key, after }) =>
        this.run(key, async () => {
          if (after === '+') return (await this.client.xrevrange(this.key(key), '+', '-', 'COUNT', 1)) as Reply;
          if (after === MAX_ID) return [];
          return count
            ? ((await this.client.xrange(this.key(key), `(${formatId(after)}`, '+', 'COUNT', count)) as Reply)
            : ((await this.client.xrange(this.key(key), `(${formatId(after)}`, '+')) as Reply);
        }),
      ),
    );
    const out: XreadResult[] = [];
    streams.forEach(({ key }, i) => {
      const entries = decode.entries(replies[i]!);
      if (entries.length > 0) out.push({ key, entries });
    });
    return out;
  }

  /** The ID `$` stands for now (0-0 for a missing key). */
  private async lastIdOf(stream: string): Promise<StreamId> {
    const info = await this.streamInfo(stream);
    return info?.lastGeneratedId ?? 0n;
  }

  async deleteEntries(stream: string, ids: StreamId[]): Promise<number> {
    return this.write(stream, async () => Number(await this.client.xdel(this.key(stream), ...ids.map(formatId))));
  }

  async trim(stream: string, trim: TrimSpec): Promise<number | null> {
    this.refuseRedis8Options({ trim });
    const args = trimArgs(trim);
    return this.write(stream, async () => {
      const reply = await this.scripts.sgTrim(this.key(stream), ...args);
      return reply === null ? null : Number(reply);
    });
  }

  async setStreamId(stream: string, options: XsetidOptions): Promise<void> {
    const args: Arg[] = [this.key(stream), formatId(options.lastId)];
    if (options.entriesAdded !== undefined) args.push('ENTRIESADDED', String(options.entriesAdded));
    if (options.maxDeletedId !== undefined) args.push('MAXDELETEDID', formatId(options.maxDeletedId));
    await this.write(
      stream,
      () => this.client.call('XSETID', ...args),
      () => ['w', stream],
    );
  }

  // ---------------------------------------------------------------------------
  // Consumer groups

  createGroup(stream: string, group: string, options: GroupCreateOptions): Promise<GroupInfo> {
    const start = options.startId === '$' ? '$' : formatId(options.startId);
    const entriesRead = options.entriesRead === undefined ? '' : String(options.entriesRead);
    return this.write(
      stream,
      async () => decode.groupInfo(await this.scripts.sgGroupCreate(this.key(stream), group, start, options.mkStream ? '1' : '0', entriesRead)),
      () => ['w', stream],
    );
  }

  setGroupId(stream: string, group: string, options: GroupSetIdOptions): Promise<GroupInfo> {
    const lastId = options.lastId === '$' ? '$' : formatId(options.lastId);
    const entriesRead = options.entriesRead === undefined ? '' : String(options.entriesRead);
    return this.write(
      stream,
      async () => decode.groupInfo(await this.scripts.sgGroupSetId(this.key(stream), group, lastId, entriesRead)),
      () => ['w', stream],
    );
  }

  destroyGroup(stream: string, group: string): Promise<boolean> {
    return this.write(
      stream,
      async () => Number(await this.client.xgroup('DESTROY', this.key(stream), group)) === 1,
      (destroyed) => (destroyed ? ['g', stream, group] : undefined),
    );
  }

  createConsumer(stream: string, group: string, consumer: string): Promise<boolean> {
    return this.write(stream, async () => Number(await this.client.xgroup('CREATECONSUMER', this.key(stream), group, consumer)) === 1);
  }

  deleteConsumer(stream: string, group: string, consumer: string): Promise<number | null> {
    return this.write(
      stream,
      async () => {
        const reply = await this.scripts.sgDeleteConsumer(this.key(stream), group, consumer);
        return reply === null ? null : Number(reply);
      },
      (pending) => (pending ? ['w', stream] : undefined),
    );
  }

  async readGroup(read: XreadgroupOptions, wait: Wait): Promise<XreadgroupResult[]> {
    this.refuseRedis8Options(read);
    const { waitMs, signal } = wait;
    const fromHistory = read.streams.some((s) => s.from !== '>' && s.from !== MAX_ID);
    if (fromHistory || waitMs <= 0 || signal?.aborted || this.closing) return this.readGroupOnce(read);
    return this.block(
      read.streams.map((s) => s.key),
      read.group,
      'data',
      waitMs,
      signal,
      async () => {
        const result = await this.readGroupOnce(read);
        return result.length > 0 ? result : undefined;
      },
    );
  }

  /** XREADGROUP without BLOCK, one script per stream; with several streams every group is checked first, so a failing read delivers nothing. */
  private async readGroupOnce(read: XreadgroupOptions): Promise<XreadgroupResult[]> {
    const { group, consumer, noAck = false } = read;
    const count = read.count ? String(read.count) : '';
    if (read.streams.length > 1) await this.probeGroups(read);
    const out: XreadgroupResult[] = [];
    for (const { key, from } of read.streams) {
      const history = from !== '>' && from !== MAX_ID;
      const reply = (await this.run(key, () =>
        this.scripts.sgReadGroup(this.key(key), group, consumer, history ? formatId(from) : '>', count, noAck ? '1' : '0'),
      )) as [Reply, Reply[]];
      const result = groupReadResult(key, history, noAck, reply);
      if (result !== undefined) out.push(result);
    }
    return out;
  }

  /** NO_STREAM / NOGROUP for the first stream of `read` without the group (XPENDING key group - + 0 on each). */
  private async probeGroups(read: XreadgroupOptions): Promise<void> {
    const { group } = read;
    await Promise.all(
      read.streams.map(({ key }) =>
        this.run(key, () => this.scripts.sgPending(this.key(key), group, '-', '+', 0)).catch((err: StreamError) => {
          throw err.code === 'NO_STREAM' || err.code === 'NOGROUP' ? streamError(err.code, 'readGroup', key, group) : err;
        }),
      ),
    );
  }

  async ackAndReadGroup(acks: GroupAck[], read: XreadgroupOptions, wait: Wait): Promise<AckAndReadResult> {
    this.refuseRedis8Options(read);
    if (acks.length === 0) return { acknowledged: [], results: await this.readGroup(read, wait) };
    const only = read.streams[0]!;
    if (read.streams.length > 1 || acks.length > 1 || acks[0]!.key !== only.key || read.claimMinIdleMs !== undefined) {
      await this.probeGroups(read);
      const acknowledged = await Promise.all(acks.map(async ({ key, ids }) => (await this.ack(key, read.group, ids)) ?? 0));
      return { acknowledged, results: await this.readGroup(read, wait) };
    }
    // One stream: XACK and the first XREADGROUP in one script.
    const { group, consumer, noAck = false } = read;
    const { key, from } = only;
    const history = from !== '>' && from !== MAX_ID;
    const reply = (await this.write(
      key,
      async () =>
        (await this.scripts.sgAckReadGroup(
          this.key(key),
          group,
          consumer,
          history ? formatId(from) : '>',
          read.count ? String(read.count) : '',
          noAck ? '1' : '0',
          ...acks[0]!.ids.map(formatId),
        )) as [Reply, Reply[], Reply],
      (r) => (Number(r[2]) > 0 ? ['w', key] : undefined),
    )) as [Reply, Reply[], Reply];
    const acknowledged = [Number(reply[2])];
    const first = groupReadResult(key, history, noAck, reply);
    const { waitMs, signal } = wait;
    if (first !== undefined || history || waitMs <= 0 || signal?.aborted || this.closing) return { acknowledged, results: first === undefined ? [] : [first] };
    return { acknowledged, results: await this.readGroup(read, wait) };
  }

  ack(stream: string, group: string, ids: StreamId[]): Promise<number | null> {
    return this.write(
      stream,
      async () => {
        const reply = await this.scripts.sgAck(this.key(stream), group, ...ids.map(formatId));
        return reply === null ? null : Number(reply);
      },
      (acked) => (acked ? ['w', stream] : undefined),
    );
  }

  async pendingSummary(stream: string, group: string): Promise<PendingSummary> {
    return decode.pendingSummary(await this.run(stream, () => this.scripts.sgPending(this.key(stream), group)));
  }

  async pendingEntries(stream: string, group: string, options: PendingRangeOptions): Promise<PendingEntryInfo[]> {
    const args: Arg[] = [group];
    if (options.minIdleMs !== undefined) args.push('IDLE', options.minIdleMs);
    args.push(boundArg(options.start, 'start'), boundArg(options.end, 'end'), Math.max(0, options.count));
    if (options.consumer !== undefined) args.push(options.consumer);
    return decode.pendingEntries(await this.run(stream, () => this.scripts.sgPending(this.key(stream), ...args)));
  }

  claim(stream: string, group: string, options: XclaimOptions): Promise<Delivery[]> {
    const args: Arg[] = [options.justId ? '1' : '0', group, options.consumer, Math.max(0, options.minIdleMs), options.ids.length, ...options.ids.map(formatId)];
    if (options.idleMs !== undefined) args.push('IDLE', options.idleMs);
    else if (options.timeMs !== undefined) args.push('TIME', options.timeMs);
    if (options.retryCount !== undefined && options.retryCount >= 0) args.push('RETRYCOUNT', options.retryCount);
    if (options.force) args.push('FORCE');
    if (options.justId) args.push('JUSTID');
    if (options.lastId !== undefined) args.push('LASTID', formatId(options.lastId));
    return this.write(
      stream,
      async () => {
        const claimed = decode.deliveries(await this.scripts.sgClaim(this.key(stream), ...args), !options.justId);
        if (options.retryCount === undefined || options.retryCount < 0) countRepeatedClaims(claimed);
        return claimed;
      },
      () => ['w', stream],
    );
  }

  autoclaim(stream: string, group: string, options: XautoclaimOptions): Promise<XautoclaimResult> {
    return this.write(
      stream,
      async () => {
        const [next, claimed, deleted] = (await this.scripts.sgAutoclaim(
          this.key(stream),
          options.justId ? '1' : '0',
          group,
          options.consumer,
          Math.max(0, options.minIdleMs),
          formatId(options.start),
          options.count ?? 100,
        )) as [Reply, Reply, Reply[]];
        return { nextStart: decode.id(next), entries: decode.deliveries(claimed, true), deletedIds: deleted.map(decode.id) };
      },
      () => ['w', stream],
    );
  }

  async pendingBelow(stream: string, group: string, consumer: string, limit: number, wait: Wait): Promise<number> {
    const count = async (): Promise<number> =>
      Number(await this.run(stream, () => this.scripts.sgConsumerPending(this.key(stream), group, consumer)));
    // As the embedded backend: a missing stream, group or consumer holds nothing.
    const countOrZero = (): Promise<number> =>
      count().catch((err: StreamError) => {
        if (err.code === 'NO_STREAM' || err.code === 'NOGROUP') return 0;
        throw err;
      });
    const now = await countOrZero();
    if (now < limit || wait.waitMs <= 0 || wait.signal?.aborted) return now;
    const result = await this.block([stream], group, 'pel', wait.waitMs, wait.signal, async () => {
      const n = await count();
      return n < limit ? n : undefined;
    });
    return typeof result === 'number' ? result : countOrZero();
  }

  /**
   * Parks a read in the hub until `attempt` yields something, it fails, the
   * wait ends or the signal aborts (then []). Attempts of one read never
   * overlap, so a read over several keys delivers once.
   */
  private block<T>(
    keys: string[],
    group: string | undefined,
    wakeOn: 'data' | 'pel',
    waitMs: number,
    signal: AbortSignal | undefined,
    attempt: () => Promise<T | undefined>,
  ): Promise<T | []> {
    if (this.closing) return Promise.resolve([]);
    return new Promise<T | []>((resolve, reject) => {
      let settled = false;
      let chain: Promise<unknown> = Promise.resolve();
      const waiters: HubWaiter[] = [];
      const settle = (): boolean => {
        if (settled) return false;
        settled = true;
        signal?.removeEventListener('abort', onAbort);
        for (const w of waiters) this.hub.remove(w);
        return true;
      };
      const onAbort = (): void => {
        if (settle()) resolve([]);
      };
      const shared = (): Promise<boolean> => {
        const next = chain.then(async () => {
          if (settled) return true;
          const value = await attempt();
          if (settled) return true;
          if (value === undefined) return false;
          if (settle()) resolve(value);
          return true;
        });
        chain = next.catch(() => {});
        return next;
      };
      for (const key of new Set(keys)) {
        waiters.push({
          key,
          group,
          wakeOn,
          attempt: shared,
          fail: (error) => {
            if (settle()) reject(error);
          },
          expire: () => {
            if (settle()) resolve([]);
          },
        });
      }
      signal?.addEventListener('abort', onAbort, { once: true });
      for (const w of waiters) this.hub.add(w, waitMs);
    });
  }

  /** Waits parked here now. */
  // ---------------------------------------------------------------------------
  // Redis 8 commands. Redis 7.x and Valkey 8 have none of them, and no Redis 8
  // server can run where this is tested, so each answers 501 naming what it
  // needs instead of emulating it untested; never a silently different answer.

  /** NOT_SUPPORTED_BY_BACKEND for `command` (first in Redis `version`), worded by what the server is. */
  private unsupported(command: string, major: number, minor: number): StreamError {
    const found = this.serverVersion === undefined ? 'not known yet (not connected)' : `${this.serverVersion.server} ${this.serverVersion.version}`;
    const has = this.serverVersion !== undefined && this.serverVersion.server !== 'valkey' && atLeast(this.serverVersion, major, minor);
    return has ? streamError('NOT_SUPPORTED_BY_BACKEND', 'notYetSent', command, found) : streamError('NOT_SUPPORTED_BY_BACKEND', 'needsVersion', command, `${major}.${minor}`, found);
  }

  /** The Redis 8 options of the existing commands: refused here rather than ignored. */
  private refuseRedis8Options(options: { trim?: { refs?: string } | undefined; claimMinIdleMs?: number | undefined; maxCount?: number | undefined; maxBytes?: number | undefined; refs?: string | undefined }): void {
    const refs = options.refs ?? options.trim?.refs;
    if (refs !== undefined && refs !== 'keepRef') throw this.unsupported(`${refs === 'delRef' ? 'DELREF' : 'ACKED'} (trim)`, 8, 2);
    if (options.claimMinIdleMs !== undefined) throw this.unsupported('XREADGROUP CLAIM', 8, 4);
    if (options.maxCount !== undefined || options.maxBytes !== undefined) throw this.unsupported('XREADGROUP MAXCOUNT / MAXSIZE', 8, 10);
  }

  async appendIdempotent(_stream: string, _options: XaddOptions): Promise<IdempotentAddResult | null> {
    throw this.unsupported('XADD IDMP', 8, 6);
  }

  async appendBatchIdempotent(_stream: string, _messages: NewEntry[], _options: BatchOptions): Promise<IdempotentAddResult[] | null> {
    throw this.unsupported('XADD IDMP', 8, 6);
  }

  async configureStream(_stream: string, _options: StreamConfigOptions): Promise<void> {
    throw this.unsupported('XCFGSET', 8, 6);
  }

  async deleteEntriesWithRefs(_stream: string, _ids: StreamId[], _refs: RefPolicy): Promise<DeletionResult[]> {
    throw this.unsupported('XDELEX', 8, 2);
  }

  async ackAndDelete(_stream: string, _group: string, _ids: StreamId[], _refs: RefPolicy): Promise<DeletionResult[]> {
    throw this.unsupported('XACKDEL', 8, 2);
  }

  async release(_stream: string, _group: string, _options: XnackOptions): Promise<number> {
    throw this.unsupported('XNACK', 8, 8);
  }

  get waiterCount(): number {
    return this.hub.size;
  }

  // ---------------------------------------------------------------------------
  // Introspection

  async streamInfo(stream: string): Promise<StreamInfo | null> {
    const reply = await this.orNull(stream, () => this.client.xinfo('STREAM', this.key(stream)) as Promise<Reply>);
    return reply === null ? null : decode.streamInfo(reply);
  }

  async streamInfoFull(stream: string, count = 10): Promise<StreamInfoFull | null> {
    const reply = await this.orNull(stream, () => this.client.call('XINFO', 'STREAM', this.key(stream), 'FULL', 'COUNT', count) as Promise<Reply>);
    return reply === null ? null : decode.streamInfoFull(reply);
  }

  async groups(stream: string): Promise<GroupInfo[] | null> {
    const reply = await this.orNull(stream, () => this.client.xinfo('GROUPS', this.key(stream)) as Promise<Reply>);
    return reply === null ? null : (reply as Reply[]).map(decode.groupInfo);
  }

  async group(stream: string, group: string): Promise<GroupInfo | null> {
    return (await this.groups(stream))?.find((g) => g.name === group) ?? null;
  }

  async consumers(stream: string, group: string): Promise<ConsumerInfo[]> {
    const reply = (await this.run(stream, () => this.client.xinfo('CONSUMERS', this.key(stream), group))) as Reply[];
    return reply.map(decode.consumerInfo);
  }

  /** XINFO on a missing key answers "ERR no such key": here that is null. */
  private async orNull(stream: string, request: () => Promise<Reply>): Promise<Reply | null> {
    try {
      return await this.run(stream, request);
    } catch (err) {
      if (err instanceof StreamError && err.code === 'NO_STREAM') return null;
      throw err;
    }
  }

  // ---------------------------------------------------------------------------
  // Lifecycle

  isReady(): boolean {
    return !this.closing && this.client.status === 'ready';
  }

  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    this.hub.close();
    const quit = async (client: RedisClient): Promise<void> => {
      try {
        await Promise.race([client.quit(), new Promise((_, reject) => setTimeout(reject, 1000).unref())]);
      } catch {
        client.disconnect();
      }
    };
    if (this.subscriber !== this.client) await quit(this.subscriber);
    await quit(this.client);
  }
}

export function createRedisBackend(options: RedisBackendOptions): RedisBackend {
  return new RedisBackend(options);
}

/** One stream's READ_GROUP reply as a result: history reads always (delivery counts from the reply), `>` reads only with entries (count 1 unless NOACK). */
function groupReadResult(key: string, history: boolean, noAck: boolean, reply: [Reply, Reply[], ...Reply[]]): XreadgroupResult | undefined {
  const [entriesReply, counts] = reply;
  const entries: Delivery[] = decode.entries(entriesReply);
  if (history) {
    entries.forEach((e, i) => {
      const n = counts[i];
      if (n !== null && n !== undefined) e.deliveryCount = Number(n);
    });
    return { key, entries };
  }
  if (entries.length === 0) return undefined;
  if (!noAck) for (const e of entries) e.deliveryCount = 1;
  return { key, entries };
}
