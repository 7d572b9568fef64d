import { randomUUID } from 'node:crypto';
import calculateSlot from 'cluster-key-slot';
import { Cluster, type Redis } from 'ioredis';
import { MAX_MEMORY_BYTES_ON_REDIS, MAX_STREAMS_ON_REDIS, type RedisConnectionConfig } from '../../config.js';
import { compareNames } from '../../core/consumer-group.js';
import { redisReplyError, StreamError, streamError } from '../../domain/errors.js';
import { formatId, MAX_ID, type StreamId } from '../../domain/ids.js';
import type {
  BackendLimits,
  ReplyCaps,
  ConsumerInfo,
  Delivery,
  Entry,
  GroupCreateOptions,
  GroupInfo,
  GroupSetIdOptions,
  GroupUpdateOptions,
  ExtendResult,
  PolicyEvent,
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
import { groupKeyList, groupKeys, companionBase, sameSlot } from './policy-keys.js';
import { RELEASED_OWNER, type PolicyScriptName } from './policy-scripts.js';
import { PolicyTimers } from './policy-timers.js';
import { checkTime, validateDeliveryPolicy } from '../../domain/delivery-policy.js';
import { XNACK_FATAL_DELIVERY_COUNT } from '../../domain/defaults.js';
import { DEAD_LETTER_FIELDS, type DeliveryPolicy } from '../../domain/types.js';
import { parseDeadLetter } from '../../core/policy-commands.js';
import { budgetSpent, checkReplyCaps, entryBytes, replyBudget, type ReplyBudget } from '../../core/reply-budget.js';
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
  /** Caps on replies, streams and consumers. @defaultValue none */
  limits?: Partial<BackendLimits>;
}

type ScriptCommands = { [K in ScriptName | PolicyScriptName | 'sgRedrive']: (...args: Arg[]) => Promise<Reply> };

/** The most entries one timer step handles per group and kind (the embedded DUE_STEP_LIMIT); more: the next step at once. */
const POLICY_STEP_LIMIT = 1000;
/** A `>` read without COUNT takes at most this many due entries (then all new ones, as XREADGROUP does). */
const DUE_READ_LIMIT = 1000;
/** XPENDING page of the policy rebuild on PATCH. */
const POLICY_SCAN_COUNT = 1000;

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
  /** Streams with a write notice to send at the end of this turn (notify). */
  private readonly announced = new Set<string>();
  private flushScheduled = false;
  /**
   * Whether an XADD's notice may be queued before its reply: one standalone
   * connection writes commands in call order, so Redis runs the XADD before
   * the PUBLISH and before any read a local waiter then sends, and the wake
   * saves a round trip. Not in a Cluster (PUBLISH may leave through another
   * node) nor with WAIT (readers are woken once the write is replicated).
   */
  private readonly announceEarly: boolean;
  readonly hub: WakeHub;
  private closing = false;
  /** SET of JSON [stream, group] of every group with a policy (the timers' sweep finds groups created elsewhere here). */
  private readonly registry: string;
  private readonly timers: PolicyTimers;
  private readonly policyListeners: ((event: PolicyEvent) => void)[] = [];
  /** The policies this replica has seen, by JSON [stream, group]: the timers' dead-letter stream, claims' deadline upkeep. */
  private readonly knownPolicies = new Map<string, DeliveryPolicy>();
  /** INFO server, read at each (re)connection; undefined until the first. */
  serverVersion: ServerVersion | undefined;
  private readonly limits: BackendLimits;
  /** MAX_CONSUMERS_PER_GROUP as the scripts take it ('' : no cap). */
  private readonly consumerCap: Arg;

  constructor(options: RedisBackendOptions) {
    this.prefix = options.keyPrefix ?? '';
    this.limits = { replyBytes: Infinity, maxStreams: Infinity, maxConsumersPerGroup: Infinity, maxMemoryBytes: Infinity, ...options.limits };
    this.consumerCap = Number.isFinite(this.limits.maxConsumersPerGroup) ? this.limits.maxConsumersPerGroup : '';
    if (Number.isFinite(this.limits.maxStreams)) throw new Error(`MAX_STREAMS ${MAX_STREAMS_ON_REDIS}`);
    if (Number.isFinite(this.limits.maxMemoryBytes)) throw new Error(`MAX_MEMORY_BYTES ${MAX_MEMORY_BYTES_ON_REDIS}`);
    this.waitReplicas = options.waitReplicas ?? 0;
    this.waitTimeoutMs = options.waitTimeoutMs ?? 1000;
    this.channel = `${this.prefix}streamgate:wake`;
    this.registry = `${this.prefix}streamgate:policy-groups`;
    this.client = createRedisClient(options.connection, options.connectionName ?? 'streamgate');
    this.announceEarly = !(this.client instanceof Cluster) && this.waitReplicas === 0;
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
    this.timers = new PolicyTimers({
      step: (stream, group) => this.runDue(stream, group),
      scan: async (cursor) => {
        if (!this.isReady()) return [cursor, []];
        const [next, members] = (await this.client.sscan(this.registry, cursor, 'COUNT', 100)) as [string, string[]];
        return [next, members.map((m) => JSON.parse(m) as [string, string])];
      },
    });
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

  /**
   * Wakes the waiters here and tells the other replicas. Write notices ('w')
   * wait for the end of this event-loop turn (the check phase, before any
   * timer), so the writes of one turn to one stream cost one PUBLISH and one
   * read per waiter; 'd' and 'g' go at once, behind the write notices queued
   * before them, in the order they happened.
   */
  private notify(notice: Notice): void {
    if (notice[0] === 'w') return this.announce(notice[1]);
    this.flushNotices();
    this.send(notice);
  }

  /** Queues a write notice for `stream` (see notify). */
  private announce(stream: string): void {
    this.announced.add(stream);
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(this.flushNotices);
  }

  private readonly flushNotices = (): void => {
    this.flushScheduled = false;
    if (this.announced.size === 0) return;
    const streams = [...this.announced];
    this.announced.clear();
    for (const stream of streams) this.send(['w', stream]);
  };

  private send(notice: Notice): void {
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
      async () => {
        const key = this.key(stream);
        const k = groupKeys(key, '');
        const deleted = Number(await this.scripts.sgStreamDelete(key, k.policy, companionBase(key))) === 1;
        if (deleted) this.timers.forgetStream(stream);
        return deleted;
      },
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
    const { id } = options;
    if (id.kind === 'auto-seq') {
      // A script: were its EVALSHA refused (NOSCRIPT, after SCRIPT FLUSH), ioredis would resend it behind an early notice.
      return this.write(
        stream,
        async () => {
          const reply = await this.scripts.sgAddBatch(key, options.noMkStream ? '1' : '0', '0', ...batchArgs(trim, [{ id, fields: options.fields }]));
          return reply === null ? null : decode.id((reply as Reply[])[0]!);
        },
        (added) => (added === null ? undefined : ['w', stream]),
      );
    }
    // `*` and explicit IDs: XADD checks exactly what the embedded core checks, in the same order.
    const args: Arg[] = [key];
    if (options.noMkStream) args.push('NOMKSTREAM');
    if (trim) args.push(...trim);
    args.push(id.kind === 'auto' ? '*' : formatId(id.id), ...options.fields);
    const xadd = async (): Promise<StreamId | null> => {
      const reply = (await this.client.call('XADD', ...args)) as Reply;
      return reply === null ? null : decode.id(reply);
    };
    if (!this.announceEarly) return this.write(stream, xadd, (added) => (added === null ? undefined : ['w', stream]));
    // Queued before the XADD, flushed before its socket write (connection.ts writesPerTurn): one write, the notice behind it.
    // A failed XADD costs waiters one read.
    this.announce(stream);
    return this.run(stream, xadd);
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
    args.push(options.count ?? '', ...budgetArgs(replyBudget(this.limits.replyBytes)));
    const reply = await this.run(stream, () => this.scripts.sgRange(this.key(stream), ...args));
    return reply === null ? null : decode.entries(reply);
  }

  async readStreams(streams: XreadStream[], count: number | undefined, wait: Wait, caps?: ReplyCaps): Promise<XreadResult[]> {
    if (caps !== undefined && (caps.maxCount !== undefined || caps.maxBytes !== undefined)) checkReplyCaps(caps.maxCount, caps.maxBytes, count || undefined);
    const pinned = await Promise.all(
      streams.map(async (s) => ({ key: s.key, after: s.after === '$' ? await this.lastIdOf(s.key) : s.after })),
    );
    const read = (): Promise<XreadResult[]> => this.readOnce(pinned, count, replyBudget(this.limits.replyBytes, caps?.maxCount, caps?.maxBytes));
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

  /**
   * XREAD without BLOCK, one XRANGE per key (a Cluster refuses one XREAD over keys of several slots);
   * with a budget one key after the other, each within what the keys before it left.
   */
  private async readOnce(streams: { key: string; after: StreamId | '+' }[], count: number | undefined, budget: ReplyBudget | undefined): Promise<XreadResult[]> {
    const readKey = ({ key, after }: { key: string; after: StreamId | '+' }): Promise<Reply> =>
      this.run(key, async () => {
        if (after === MAX_ID) return [];
        if (budget === undefined) {
          if (after === '+') return (await this.client.xrevrange(this.key(key), '+', '-', 'COUNT', 1)) as Reply;
          const start = `(${formatId(after)}`;
          return (await (count ? this.client.xrange(this.key(key), start, '+', 'COUNT', count) : this.client.xrange(this.key(key), start, '+'))) as Reply;
        }
        const args: Arg[] = after === '+' ? ['XREVRANGE', '+', '-', 1] : ['XRANGE', `(${formatId(after)}`, '+', count || ''];
        return ((await this.scripts.sgRange(this.key(key), ...args, ...budgetArgs(budget))) as Reply) ?? [];
      });
    const out: XreadResult[] = [];
    if (budget === undefined) {
      const replies = await Promise.all(streams.map(readKey));
      streams.forEach(({ key }, i) => {
        const entries = decode.entries(replies[i]!);
        if (entries.length > 0) out.push({ key, entries });
      });
      return out;
    }
    for (const s of streams) {
      if (budgetSpent(budget)) break;
      const entries = decode.entries(await readKey(s));
      charge(budget, entries);
      if (entries.length > 0) out.push({ key: s.key, entries });
    }
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
    if (options.policy !== undefined) {
      const policy = validateDeliveryPolicy(stream, options.policy);
      if (policy !== null) return this.writePolicy(stream, group, 'create', options, policy);
    }
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
      async () => {
        const destroyed = Number(await this.scripts.sgGroupDestroy(...groupKeyList(groupKeys(this.key(stream), group)), group)) === 1;
        if (destroyed) await this.unregister(stream, group);
        return destroyed;
      },
      (destroyed) => (destroyed ? ['g', stream, group] : undefined),
    );
  }

  createConsumer(stream: string, group: string, consumer: string): Promise<boolean> {
    refuseReserved(consumer);
    return this.write(stream, () =>
      this.admitted(stream, group, consumer, async () => Number(await this.scripts.sgCreateConsumer(this.key(stream), group, consumer, this.consumerCap)) === 1),
    );
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
    refuseReserved(read.consumer);
    await this.checkReadCaps(read);
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

  /**
   * XREADGROUP without BLOCK, one script per stream; with several streams every group is checked first, so a failing
   * read delivers nothing. The reply's budget goes from stream to stream: each script delivers only what fits what
   * the streams before it left; once it is spent the streams after it deliver nothing (and are left out of the
   * reply), but their scripts still run, so the consumer is made in each group, as XREADGROUP makes it.
   */
  private async readGroupOnce(read: XreadgroupOptions): Promise<XreadgroupResult[]> {
    const { group, consumer, noAck = false } = read;
    const count = read.count ? String(read.count) : '';
    const budget = replyBudget(this.limits.replyBytes, read.maxCount, read.maxBytes);
    if (read.streams.length > 1) await this.probeGroups(read);
    const out: XreadgroupResult[] = [];
    for (const { key, from } of read.streams) {
      // A stream after the budget is spent delivers nothing, but the consumer is made (seen) there too.
      const skipped = budget !== undefined && budgetSpent(budget);
      const history = from !== '>' && from !== MAX_ID;
      const reply = (await this.run(key, () =>
        this.admitted(key, group, consumer, () =>
          this.scripts.sgPolicyRead(
            ...groupKeyList(groupKeys(this.key(key), group)),
            group,
            consumer,
            history ? formatId(from) : '>',
            count,
            noAck ? '1' : '0',
            DUE_READ_LIMIT,
            this.consumerCap,
            ...budgetArgs(budget),
          ),
        ),
      )) as [Reply, Reply[], Reply, Reply, Reply, Reply];
      const [entriesReply, counts, deadline, redelivered, policyJson, doomed] = reply;
      const entries: Delivery[] = decode.entries(entriesReply);
      entries.forEach((e, i) => {
        const n = counts[i];
        if (n !== null && n !== undefined) e.deliveryCount = Number(n);
      });
      if (budget !== undefined) charge(budget, entries);
      if (policyJson !== null) this.onPolicyRead(key, group, policyJson as string, entries, deadline, Number(redelivered), Number(doomed));
      if (!skipped && (history || entries.length > 0)) out.push({ key, entries });
    }
    return out;
  }

  /** A script's MAX_CONSUMERS_REACHED (tagged with the limit) in the catalogue's words. */
  private async admitted<T>(stream: string, group: string, consumer: string, request: () => Promise<T>): Promise<T> {
    try {
      return await request();
    } catch (err) {
      const error = toStreamError(err);
      if (error.code === 'MAX_CONSUMERS_REACHED') throw streamError('MAX_CONSUMERS_REACHED', 'wouldCreate', stream, group, consumer, this.limits.maxConsumersPerGroup);
      throw error;
    }
  }

  /**
   * NO_STREAM / NOGROUP for the first stream of `read` without the group, else MAX_CONSUMERS_REACHED for the
   * first where the consumer would pass the cap (PROBE_GROUP on each, which changes nothing), as XREADGROUP
   * checks them, so a read over several streams refused by any delivers nothing.
   */
  private async probeGroups(read: XreadgroupOptions): Promise<void> {
    const { group, consumer } = read;
    const probes = await Promise.allSettled(
      read.streams.map(({ key }) => this.run(key, () => this.admitted(key, group, consumer, () => this.scripts.sgProbeGroup(this.key(key), group, consumer, this.consumerCap)))),
    );
    const errors = probes.map((probe) => (probe.status === 'rejected' ? (probe.reason as StreamError) : undefined));
    const missing = errors.findIndex((err) => err?.code === 'NO_STREAM' || err?.code === 'NOGROUP');
    if (missing >= 0) throw streamError(errors[missing]!.code as 'NO_STREAM' | 'NOGROUP', 'readGroup', read.streams[missing]!.key, group);
    const refused = errors.find((err) => err !== undefined);
    if (refused !== undefined) throw refused;
  }

  /** MAXCOUNT / MAXSIZE checked as XREADGROUP checks them: after the groups (a missing one is named first). */
  private async checkReadCaps(read: XreadgroupOptions): Promise<void> {
    if (read.maxCount === undefined && read.maxBytes === undefined) return;
    try {
      checkReplyCaps(read.maxCount, read.maxBytes, read.count || undefined);
    } catch (err) {
      await this.probeGroups(read);
      throw err;
    }
  }

  /**
   * The acks (one ACK script per stream), then readGroup: two steps, since a group with a delivery policy reads
   * through its own script (due entries first); the acks stand if the read then waits and times out.
   */
  async ackAndReadGroup(acks: GroupAck[], read: XreadgroupOptions, wait: Wait): Promise<AckAndReadResult> {
    this.refuseRedis8Options(read);
    await this.checkReadCaps(read);
    if (acks.length === 0) return { acknowledged: [], results: await this.readGroup(read, wait) };
    await this.probeGroups(read);
    const acknowledged = await Promise.all(acks.map(async ({ key, ids }) => (await this.ack(key, read.group, ids)) ?? 0));
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
    const summary = decode.pendingSummary(await this.run(stream, () => this.scripts.sgPending(this.key(stream), group)));
    summary.consumers = summary.consumers.filter((c) => c.name !== RELEASED_OWNER);
    return summary;
  }

  async pendingEntries(stream: string, group: string, options: PendingRangeOptions): Promise<PendingEntryInfo[]> {
    const args: Arg[] = [group];
    if (options.minIdleMs !== undefined) args.push('IDLE', options.minIdleMs);
    args.push(boundArg(options.start, 'start'), boundArg(options.end, 'end'), Math.max(0, options.count));
    if (options.consumer !== undefined) args.push(options.consumer);
    const entries = decode.pendingEntries(await this.run(stream, () => this.scripts.sgPending(this.key(stream), ...args)));
    for (const e of entries) if (e.consumer === RELEASED_OWNER) e.consumer = null;
    return entries;
  }

  claim(stream: string, group: string, options: XclaimOptions): Promise<Delivery[]> {
    refuseReserved(options.consumer);
    const budget = options.justId ? undefined : replyBudget(this.limits.replyBytes);
    const args: Arg[] = [
      options.justId ? '1' : '0',
      group,
      options.consumer,
      Math.max(0, options.minIdleMs),
      this.consumerCap,
      ...budgetArgs(budget),
      this.claimNeedsMemory(stream, group),
      options.ids.length,
      ...options.ids.map(formatId),
    ];
    if (options.idleMs !== undefined) args.push('IDLE', options.idleMs);
    else if (options.timeMs !== undefined) args.push('TIME', options.timeMs);
    if (options.retryCount !== undefined && options.retryCount >= 0) args.push('RETRYCOUNT', options.retryCount);
    if (options.force) args.push('FORCE');
    if (options.justId) args.push('JUSTID');
    if (options.lastId !== undefined) args.push('LASTID', formatId(options.lastId));
    return this.write(
      stream,
      async () => {
        const claimed = decode.deliveries(await this.admitted(stream, group, options.consumer, () => this.scripts.sgClaim(this.key(stream), ...args)), !options.justId);
        if (options.retryCount === undefined || options.retryCount < 0) countRepeatedClaims(claimed);
        await this.afterClaim(stream, group, options.consumer, claimed);
        return claimed;
      },
      () => ['w', stream],
    );
  }

  autoclaim(stream: string, group: string, options: XautoclaimOptions): Promise<XautoclaimResult> {
    refuseReserved(options.consumer);
    return this.write(
      stream,
      async () => {
        const budget = options.justId ? undefined : replyBudget(this.limits.replyBytes);
        const [next, claimed, deleted] = (await this.admitted(stream, group, options.consumer, () =>
          this.scripts.sgAutoclaim(
            this.key(stream),
            options.justId ? '1' : '0',
            group,
            options.consumer,
            Math.max(0, options.minIdleMs),
            formatId(options.start),
            options.count ?? 100,
            this.consumerCap,
            ...budgetArgs(budget),
            this.claimNeedsMemory(stream, group),
          ),
        )) as [Reply, Reply, Reply[]];
        const entries = decode.deliveries(claimed, true);
        await this.afterClaim(stream, group, options.consumer, entries);
        return { nextStart: decode.id(next), entries, deletedIds: deleted.map(decode.id) };
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

  /**
   * XNACK (Redis 8.8) exists here only in a group with a delivery policy, emulated by the
   * policy's released owner (policy-scripts.ts NACK); elsewhere 501 naming XNACK, and a
   * delayMs in a group without a policy is NO_DELIVERY_POLICY as on the embedded backend.
   */
  async release(stream: string, group: string, options: XnackOptions): Promise<number> {
    if (options.ids.length === 0) throw streamError('VALIDATION', 'noIds');
    if (options.retryCount !== undefined && options.retryCount < 0) throw streamError('VALIDATION', 'negativeRetryCount');
    if (options.delayMs !== undefined) checkTime('delayMs', options.delayMs, 0);
    const keys = groupKeys(this.key(stream), group);
    const reply = (await this.write(stream, () =>
      this.scripts.sgPolicyNack(
        ...groupKeyList(keys),
        group,
        options.mode,
        options.retryCount ?? '',
        options.force ? '1' : '0',
        options.delayMs ?? '',
        XNACK_FATAL_DELIVERY_COUNT,
        ...options.ids.map(formatId),
      ),
    )) as Reply[];
    if (reply[0] === 'nopolicy') {
      if (options.delayMs !== undefined) throw streamError('NO_DELIVERY_POLICY', 'noPolicy', stream, group);
      throw this.unsupported('XNACK', 8, 8);
    }
    const released = Number(reply[0]);
    if (released > 0) {
      this.report({ kind: 'nacked', stream, group, count: released });
      if (reply[1] !== null) this.timers.track(stream, group, Number(reply[1]));
      this.notify(['w', stream]);
    }
    return released;
  }

  async updateGroup(stream: string, group: string, options: GroupUpdateOptions): Promise<GroupInfo> {
    if (options.setId === undefined && options.policy === undefined) throw streamError('VALIDATION', 'groupUpdateEmpty');
    const policy = options.policy == null ? options.policy : validateDeliveryPolicy(stream, options.policy);
    return this.writePolicy(stream, group, 'update', options.setId ?? {}, policy);
  }

  /** Group creation with a policy, or a PATCH: one script (GROUP_POLICY); then the registry and this replica's timers. */
  private async writePolicy(
    stream: string,
    group: string,
    op: 'create' | 'update',
    options: { startId?: StreamId | '$'; lastId?: StreamId | '$'; mkStream?: boolean; entriesRead?: bigint },
    policy: DeliveryPolicy | null | undefined,
  ): Promise<GroupInfo> {
    const at = op === 'create' ? options.startId : options.lastId;
    const id = at === undefined ? '' : at === '$' ? '$' : formatId(at);
    const entriesRead = options.entriesRead === undefined ? '' : String(options.entriesRead);
    const json = policy === undefined ? '' : policy === null ? 'null' : JSON.stringify(policy);
    const keys = groupKeys(this.key(stream), group);
    return this.write(
      stream,
      async () => {
        const [row, stored] = (await this.scripts.sgGroupPolicy(...groupKeyList(keys), op, group, id, options.mkStream ? '1' : '0', entriesRead, json, POLICY_SCAN_COUNT)) as [Reply, Reply];
        const info = decode.groupInfo(row);
        info.policy = stored === null ? null : (JSON.parse(stored as string) as DeliveryPolicy);
        if (info.policy === null) await this.unregister(stream, group);
        else {
          this.knownPolicies.set(JSON.stringify([stream, group]), info.policy);
          await this.run(stream, () => this.client.sadd(this.registry, JSON.stringify([stream, group])));
          this.timers.track(stream, group, Date.now());
        }
        return info;
      },
      () => ['w', stream],
    );
  }

  private async unregister(stream: string, group: string): Promise<void> {
    const member = JSON.stringify([stream, group]);
    this.knownPolicies.delete(member);
    this.timers.forget(stream, group);
    await this.run(stream, () => this.client.srem(this.registry, member));
  }

  /** What a read in a group with a policy tells: the deadline to stamp, redeliveries, when the timers are next wanted. */
  private onPolicyRead(stream: string, group: string, json: string, entries: Delivery[], deadline: Reply, redelivered: number, doomed: number): void {
    const policy = JSON.parse(json) as DeliveryPolicy;
    this.knownPolicies.set(JSON.stringify([stream, group]), policy);
    if (deadline !== null) {
      const at = Number(deadline);
      for (const e of entries) if (e.deliveryCount !== undefined && e.fields !== null) e.ackDeadline = at;
      this.timers.track(stream, group, at);
    }
    if (policy.consumerIdleTimeoutMs !== undefined) this.timers.track(stream, group, Date.now() + policy.consumerIdleTimeoutMs);
    if (doomed > 0) this.timers.track(stream, group, Date.now());
    if (redelivered > 0) this.report({ kind: 'redelivered', stream, group, count: redelivered });
  }

  /** '1' when a claim in the group is followed by afterClaim's deadlines (ZADD, refused under maxmemory): the claim script then checks memory first. */
  private claimNeedsMemory(stream: string, group: string): '0' | '1' {
    return this.knownPolicies.has(JSON.stringify([stream, group])) ? '1' : '0';
  }

  /** After XCLAIM / XAUTOCLAIM in a group this replica knows has a policy: the claimed entries get their deadline (OWNED). */
  private async afterClaim(stream: string, group: string, consumer: string, claimed: Delivery[]): Promise<void> {
    const policy = this.knownPolicies.get(JSON.stringify([stream, group]));
    if (policy === undefined || claimed.length === 0) return;
    const keys = groupKeys(this.key(stream), group);
    await this.scripts.sgPolicyOwned(...groupKeyList(keys), group, consumer, ...claimed.map((e) => formatId(e.id)));
    if (policy.ackDeadlineMs !== undefined) this.timers.track(stream, group, Date.now() + policy.ackDeadlineMs);
  }

  async extendDeadline(stream: string, group: string, ids: StreamId[], ms: number): Promise<ExtendResult> {
    if (ids.length === 0) throw streamError('VALIDATION', 'noIds');
    checkTime('ms', ms, 1);
    const keys = groupKeys(this.key(stream), group);
    const reply = (await this.write(stream, () => this.scripts.sgPolicyExtend(...groupKeyList(keys), group, ms, ...ids.map(formatId)))) as Reply[];
    if (reply[0] === 'noackdeadline') throw streamError('NO_DELIVERY_POLICY', 'noAckDeadline', stream, group);
    const result = { extended: Number(reply[0]), ackDeadline: Number(reply[1]) };
    if (result.extended > 0) this.timers.track(stream, group, result.ackDeadline);
    return result;
  }

  /**
   * The timers' step for one group (policy-scripts.ts DUE). A dead-letter stream in another
   * Cluster slot: the script leases the entries, then each is XADDed there and confirmed by
   * DEAD_LETTER_ACK; a lease lost meanwhile (only past DEAD_LETTER_LEASE_MS) deletes the copy
   * just added, so a race leaves no duplicate; a crash between the two steps may leave one
   * (at-least-once), never a lost entry. Answers the next local time wanted, null, or false
   * when the group has no policy any more.
   */
  private async runDue(stream: string, group: string, retried = false): Promise<number | null | false> {
    const member = JSON.stringify([stream, group]);
    const policy = this.knownPolicies.get(member);
    const dlq = policy?.deadLetterStream;
    const key = this.key(stream);
    const keys = groupKeyList(groupKeys(key, group));
    const cross = dlq !== undefined && this.client instanceof Cluster && !sameSlot(key, this.key(dlq));
    const args = [group, dlq ?? '', stream, POLICY_STEP_LIMIT, cross ? '1' : '0'];
    const reply = (await this.run(stream, () =>
      dlq === undefined || cross ? this.scripts.sgPolicyDue(...keys, ...args) : this.scripts.sgPolicyDueLocal(...keys, this.key(dlq), ...args),
    )) as Reply[];
    if (reply[0] === 'none') {
      await this.unregister(stream, group);
      return false;
    }
    if (reply[0] === 'stale') {
      this.knownPolicies.set(member, JSON.parse(reply[1] as string) as DeliveryPolicy);
      return retried ? Date.now() : this.runDue(stream, group, true);
    }
    const [, back, deadReply, expired, next, readers, moves, lease, redisNow] = reply as [Reply, Reply, Reply, Reply, Reply, Reply, Reply[], Reply, Reply];
    let dead = Number(deadReply);
    if (moves.length > 0 && dlq !== undefined) dead += await this.moveDeadLetters(stream, group, dlq, moves, lease as string);
    if (Number(expired) > 0) this.report({ kind: 'consumerExpired', stream, group, count: Number(expired) });
    if (dead > 0) {
      this.report({ kind: 'deadLettered', stream, group, count: dead });
      this.notify(['w', dlq!]);
    }
    if (Number(readers) === 1 || Number(back) > 0 || dead > 0) this.notify(['w', stream]);
    return next === null ? null : Date.now() + (Number(next) - Number(redisNow));
  }

  /** The cross-slot half of a dead-letter move (see runDue): XADD to the dead-letter stream, then the leased ack. */
  private async moveDeadLetters(stream: string, group: string, dlq: string, moves: Reply[], lease: string): Promise<number> {
    const added: string[] = [];
    for (const move of moves) {
      const [id, fields, count] = move as [string, string[], Reply];
      const letter = [...fields, DEAD_LETTER_FIELDS.stream, stream, DEAD_LETTER_FIELDS.id, id, DEAD_LETTER_FIELDS.group, group, DEAD_LETTER_FIELDS.deliveries, String(count)];
      added.push((await this.run(dlq, () => this.client.xadd(this.key(dlq), '*', ...letter))) as string);
    }
    const keys = groupKeyList(groupKeys(this.key(stream), group));
    const acked = (await this.run(stream, () => this.scripts.sgPolicyDeadLetterAck(...keys, group, lease, ...moves.map((m) => (m as Reply[])[0] as string)))) as Reply[];
    let moved = 0;
    for (let i = 0; i < acked.length; i++) {
      if (Number(acked[i]) === 1) moved++;
      else await this.run(dlq, () => this.client.xdel(this.key(dlq), added[i]!));
    }
    return moved;
  }

  /**
   * Up to `count` dead letters, oldest first among the first count * 10, back to their origin
   * streams. Origins in the dead-letter stream's slot (always, on one server): one script for all
   * (REDRIVE). An origin in another Cluster slot: XADD there, then XDEL from the dead-letter stream;
   * when that XDEL finds the letter gone (another redrive moved it), the copy just added is deleted.
   */
  async redrive(deadLetterStream: string, count: number): Promise<number> {
    if (!Number.isSafeInteger(count) || count < 1) throw streamError('VALIDATION', 'invalid', 'count must be an integer >= 1');
    const dlqKey = this.key(deadLetterStream);
    const entries = decode.entries((await this.run(deadLetterStream, () => this.client.xrange(dlqKey, '-', '+', 'COUNT', count * 10))) as Reply);
    const cluster = this.client instanceof Cluster;
    const local: { id: string; origin: string; fields: string[] }[] = [];
    const remote: { id: string; origin: string; fields: string[] }[] = [];
    for (const entry of entries) {
      if (local.length + remote.length >= count) break;
      const letter = parseDeadLetter(entry.fields);
      if (letter === undefined || letter.origin === deadLetterStream) continue;
      const move = { id: formatId(entry.id), origin: letter.origin, fields: letter.fields };
      (cluster && !sameSlot(dlqKey, this.key(letter.origin)) ? remote : local).push(move);
    }
    let moved = 0;
    const origins = new Set<string>();
    if (local.length > 0) {
      const keyIndex = new Map<string, number>();
      const keys = [dlqKey];
      const args: Arg[] = [];
      for (const move of local) {
        let index = keyIndex.get(move.origin);
        if (index === undefined) {
          keys.push(this.key(move.origin));
          keyIndex.set(move.origin, (index = keys.length));
        }
        args.push(move.id, index, move.fields.length, ...move.fields);
      }
      moved += Number(await this.run(deadLetterStream, () => this.scripts.sgRedrive(keys.length, ...keys, ...args)));
      for (const move of local) origins.add(move.origin);
    }
    for (const move of remote) {
      const originKey = this.key(move.origin);
      if (Number(await this.run(move.origin, () => this.client.exists(originKey))) === 0) continue;
      const copy = (await this.run(move.origin, () => this.client.xadd(originKey, '*', ...move.fields))) as string;
      if (Number(await this.run(deadLetterStream, () => this.client.xdel(dlqKey, move.id))) === 1) {
        moved++;
        origins.add(move.origin);
      } else await this.run(move.origin, () => this.client.xdel(originKey, copy));
    }
    for (const origin of origins) this.notify(['w', origin]);
    return moved;
  }

  onPolicyEvent(listener: (event: PolicyEvent) => void): () => void {
    this.policyListeners.push(listener);
    return () => {
      const i = this.policyListeners.indexOf(listener);
      if (i >= 0) this.policyListeners.splice(i, 1);
    };
  }

  private report(event: PolicyEvent): void {
    for (const listener of this.policyListeners) listener(event);
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
    const budget = replyBudget(this.limits.replyBytes);
    const reply = await this.orNull(stream, () => this.scripts.sgInfoFull(this.key(stream), count, ...budgetArgs(budget)));
    return reply === null ? null : decode.streamInfoFull(reply);
  }

  async groups(stream: string): Promise<GroupInfo[] | null> {
    const key = this.key(stream);
    const reply = await this.orNull(stream, () => this.scripts.sgGroupsWithPolicy(key, groupKeys(key, '').policy));
    if (reply === null) return null;
    const [rows, policies] = reply as [Reply[], string[]];
    const byGroup = new Map<string, string>();
    for (let i = 0; i < policies.length; i += 2) byGroup.set(policies[i]!, policies[i + 1]!);
    return rows.map((row) => {
      const info = decode.groupInfo(row);
      const json = byGroup.get(info.name);
      if (json !== undefined) info.policy = JSON.parse(json) as DeliveryPolicy;
      return info;
    });
  }

  async group(stream: string, group: string): Promise<GroupInfo | null> {
    return (await this.groups(stream))?.find((g) => g.name === group) ?? null;
  }

  async consumers(stream: string, group: string): Promise<ConsumerInfo[]> {
    const reply = (await this.run(stream, () => this.client.xinfo('CONSUMERS', this.key(stream), group))) as Reply[];
    return reply.map(decode.consumerInfo).filter((c) => c.name !== RELEASED_OWNER);
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
    this.timers.stop();
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

/** A reply's budget as the scripts take it: bytes|'' entries|'' taken (scripts.ts budget_of). */
function budgetArgs(budget: ReplyBudget | undefined): Arg[] {
  if (budget === undefined) return ['', '', 0];
  const finite = (n: number): Arg => (Number.isFinite(n) ? Math.max(0, n) : '');
  return [finite(budget.bytes), finite(budget.entries), budget.taken];
}

/** Takes what a script delivered from the budget it was given (the script weighed each entry the same way). */
function charge(budget: ReplyBudget, entries: Entry[]): void {
  for (const e of entries) {
    budget.entries--;
    budget.bytes -= entryBytes(e.fields ?? []);
    budget.taken++;
  }
}

/** The released owner's name is the backend's own (policy-scripts.ts): no client reads or claims under it. */
function refuseReserved(consumer: string): void {
  if (consumer === RELEASED_OWNER) throw streamError('VALIDATION', 'reservedConsumer', consumer);
}

export function createRedisBackend(options: RedisBackendOptions): RedisBackend {
  return new RedisBackend(options);
}

