/**
 * Runs one Redis command, given as its argv, against our StreamCore and
 * answers what ioredis (RESP2) would hand back for it: strings, integers as
 * numbers, null, nested arrays; an error as a thrown CommandError whose
 * message is the Redis error line ("ERR ...", "NOGROUP ...").
 *
 * The adapter plays the part Redis's argument parser plays: it turns the argv
 * into the typed options of StreamCommands, with Redis's syntax errors and in
 * Redis 7.0's order. Everything semantic is left to the core. Where Redis
 * checks the key or group *before* parsing a malformed argument (XACK, XDEL,
 * XCLAIM, XREADGROUP, XGROUP), the adapter asks the core read-only questions
 * (exists, xinfoGroups) to report the error Redis would report first; that is
 * the only place the adapter looks at state.
 *
 * Replies use the Redis 7.2+ shapes where ours has more (`inactive`,
 * `active-time`); the comparator strips what Redis 7.0 lacks.
 */
import { errorMessage, streamError, StreamError } from '../../src/domain/errors.js';
import {
  formatId,
  MAX_ID,
  parseAddId,
  parseId,
  parseIdOrSpecial,
  parseRangeBound,
  type AddIdSpec,
  type RangeBound,
  type StreamId,
} from '../../src/domain/ids.js';
import type {
  Delivery,
  Entry,
  GroupInfo,
  StreamCounters,
  TrimSpec,
  XreadgroupStream,
  XreadStream,
} from '../../src/domain/types.js';
import type { StreamCommands } from '../../src/core/commands.js';

export type Reply = string | number | null | Reply[];

/** An error reply. `code` is our StreamError code when the core threw it. */
export class CommandError extends Error {
  override readonly name = 'CommandError';
  constructor(
    message: string,
    readonly code?: string,
  ) {
    super(message);
  }
}

/**
 * radix-tree-nodes counts the inner nodes of Redis's radix tree: a memory
 * layout statistic that the core does not model or report (it keeps a
 * sorted node index instead). The harness leaves this field out on both sides.
 */
export const NOT_MODELLED = '(not modelled)';

const ERR_SYNTAX = 'ERR syntax error';
const ERR_NOT_INTEGER = 'ERR value is not an integer or out of range';
const subcommandSyntax = (sub: string, command: string) =>
  `ERR unknown subcommand or wrong number of arguments for '${sub}'. Try ${command} HELP.`;

function fail(message: string): never {
  throw new CommandError(message);
}

const INT64_MIN = -(1n << 63n);
const INT64_MAX = (1n << 63n) - 1n;

/** Redis's string2ll: optional '-', no '+', no leading zeros, no spaces, within int64. */
function parseLongLong(text: string): bigint | undefined {
  if (!/^(0|-?[1-9][0-9]*)$/.test(text)) return undefined;
  const value = BigInt(text);
  return value < INT64_MIN || value > INT64_MAX ? undefined : value;
}

function longLongOrFail(text: string, message = ERR_NOT_INTEGER): bigint {
  const value = parseLongLong(text);
  return value === undefined ? fail(message) : value;
}

function strictIdOrFail(text: string): StreamId {
  const id = parseId(text, 0n);
  return id === undefined ? fail(errorMessage('INVALID_ID', 'malformed')) : id;
}

function isStrictId(text: string): boolean {
  return parseId(text, 0n) !== undefined;
}

function boundOrFail(text: string, side: 'start' | 'end'): RangeBound {
  const bound = parseRangeBound(text, side);
  return bound === undefined ? fail(errorMessage('INVALID_ID', 'malformed')) : bound;
}

const num = (value: bigint | number): number => Number(value);
const nullableNum = (value: bigint | number | null): number | null => (value === null ? null : Number(value));

function entryReply(entry: Entry): Reply {
  return [formatId(entry.id), entry.fields === null ? null : [...entry.fields]];
}

function deliveriesReply(entries: Delivery[], justId: boolean): Reply {
  return justId ? entries.map((e) => formatId(e.id)) : entries.map(entryReply);
}

function groupReply(g: GroupInfo): Reply {
  return [
    'name', g.name,
    'consumers', g.consumers,
    'pending', g.pending,
    'last-delivered-id', formatId(g.lastDeliveredId),
    'entries-read', nullableNum(g.entriesRead),
    'lag', nullableNum(g.lag),
  ];
}

// Arities as Redis's command table has them (negative: at least).
const ARITY: Record<string, number> = {
  DEL: -2,
  XADD: -5,
  XRANGE: -4,
  XREVRANGE: -4,
  XLEN: 2,
  XDEL: -3,
  XTRIM: -4,
  XREAD: -4,
  XREADGROUP: -7,
  XSETID: -3,
  XACK: -4,
  XPENDING: -3,
  XCLAIM: -6,
  XAUTOCLAIM: -6,
};
const SUB_ARITY: Record<string, Record<string, number>> = {
  XGROUP: { CREATE: -5, SETID: -5, DESTROY: 4, CREATECONSUMER: 5, DELCONSUMER: 5 },
  XINFO: { STREAM: -3, GROUPS: 3, CONSUMERS: 4 },
};

function arityOk(arity: number, argc: number): boolean {
  return arity >= 0 ? argc === arity : argc >= -arity;
}

interface TrimArgs {
  /** Index of the first argument after the options (XADD: the ID). */
  next: number;
  noMkStream: boolean;
  trim?: TrimSpec;
  /** XADD's ID, parsed inside the option loop as Redis does (so its error comes first). */
  id?: AddIdSpec;
}

/** streamParseAddOrTrimArgsOrReply (Redis 7.0). For XADD it stops at the ID, which it leaves to the caller. */
function parseAddOrTrimArgs(argv: string[], xadd: boolean): TrimArgs {
  let strategy: { maxLen: bigint } | { minId: StreamId } | undefined;
  let approximate = false;
  let limit: bigint | undefined;
  let noMkStream = false;
  let id: AddIdSpec | undefined;
  let i = 2;
  for (; i < argv.length; i++) {
    const moreArgs = argv.length - 1 - i;
    const opt = argv[i]!;
    const upper = opt.toUpperCase();
    if (xadd && opt === '*') {
      id = { kind: 'auto' };
      break;
    }
    if ((upper === 'MAXLEN' || upper === 'MINID') && moreArgs > 0) {
      if (strategy !== undefined) fail('ERR syntax error, MAXLEN and MINID options at the same time are not compatible');
      approximate = false;
      const next = argv[i + 1]!;
      if (moreArgs >= 2 && next === '~') {
        approximate = true;
        i++;
      } else if (moreArgs >= 2 && next === '=') {
        i++;
      }
      if (upper === 'MAXLEN') {
        const maxLen = longLongOrFail(argv[i + 1]!);
        if (maxLen < 0n) fail(errorMessage('VALIDATION', 'negativeMaxLen'));
        strategy = { maxLen };
      } else {
        strategy = { minId: strictIdOrFail(argv[i + 1]!) };
      }
      i++;
    } else if (upper === 'LIMIT' && moreArgs > 0) {
      limit = longLongOrFail(argv[i + 1]!);
      if (limit < 0n) fail(errorMessage('VALIDATION', 'negativeLimit'));
      i++;
    } else if (xadd && upper === 'NOMKSTREAM') {
      noMkStream = true;
    } else if (xadd) {
      id = parseAddId(opt);
      if (id === undefined) fail(errorMessage('INVALID_ID', 'malformed'));
      break;
    } else {
      fail(ERR_SYNTAX);
    }
  }
  if (limit !== undefined && limit !== 0n && strategy === undefined) {
    fail('ERR syntax error, LIMIT cannot be used without specifying a trimming strategy');
  }
  if (!xadd && strategy === undefined) fail('ERR syntax error, XTRIM must be called with a trimming strategy');
  if (limit !== undefined && !approximate) fail(errorMessage('VALIDATION', 'limitWithoutApprox'));
  const trim: TrimSpec | undefined =
    strategy === undefined
      ? undefined
      : { ...strategy, approximate, ...(limit !== undefined ? { limit: Number(limit) } : {}) };
  return { next: i, noMkStream, ...(trim ? { trim } : {}), ...(id ? { id } : {}) };
}

/** XGROUP / XCLAIM / ... need "does this key have this group", read-only. */
function groupExists(core: StreamCommands, key: string, group: string): boolean {
  return core.xinfoGroups(key)?.some((g) => g.name === group) ?? false;
}

type Handler = (core: StreamCommands, argv: string[]) => Reply;

/** The fields both forms of XINFO STREAM open with, in Redis's order. */
function countersReply(info: StreamCounters): Reply[] {
  // prettier-ignore
  return [
    'length', info.length,
    'radix-tree-keys', info.radixTreeKeys,
    'radix-tree-nodes', NOT_MODELLED,
    'last-generated-id', formatId(info.lastGeneratedId),
    'max-deleted-entry-id', formatId(info.maxDeletedEntryId),
    'entries-added', num(info.entriesAdded),
    'recorded-first-entry-id', formatId(info.recordedFirstEntryId),
  ];
}

const handlers: Record<string, Handler> = {
  DEL(core, argv) {
    return argv.slice(1).filter((key) => core.del(key)).length;
  },

  XADD(core, argv) {
    const key = argv[1]!;
    const args = parseAddOrTrimArgs(argv, true);
    // Options up to the last argument leave no ID and no fields: Redis's arity check answers.
    const id = args.id ?? fail(errorMessage('VALIDATION', 'xaddArity'));
    const fields = argv.slice(args.next + 1);
    if (fields.length < 2 || fields.length % 2 === 1) fail(errorMessage('VALIDATION', 'xaddArity'));
    const added = core.xadd(key, {
      id,
      fields,
      ...(args.noMkStream ? { noMkStream: true } : {}),
      ...(args.trim ? { trim: args.trim } : {}),
    });
    return added === null ? null : formatId(added);
  },

  XRANGE: (core, argv) => range(core, argv, false),
  XREVRANGE: (core, argv) => range(core, argv, true),

  XLEN(core, argv) {
    return core.xlen(argv[1]!);
  },

  XDEL(core, argv) {
    const key = argv[1]!;
    const texts = argv.slice(2);
    // Redis looks the key up before it parses the IDs.
    if (!texts.every(isStrictId) && !core.exists(key)) return 0;
    return core.xdel(key, texts.map(strictIdOrFail));
  },

  XTRIM(core, argv) {
    const args = parseAddOrTrimArgs(argv, false);
    return core.xtrim(argv[1]!, args.trim!) ?? 0;
  },

  XREAD(core, argv) {
    const { count, streams } = parseRead(argv, false);
    const reads: XreadStream[] = streams.map(({ key, id }) => {
      if (id === '>') {
        fail("ERR The > ID can be specified only when calling XREADGROUP using the GROUP <group> <consumer> option.");
      }
      return { key, after: id === '$' ? '$' : strictIdOrFail(id) };
    });
    const results = core.xread(reads, count);
    const reply = results.map((r) => [r.key, r.entries.map(entryReply)] as Reply);
    return reply.length === 0 ? null : reply;
  },

  XREADGROUP(core, argv) {
    const { count, streams, group, consumer, noAck } = parseRead(argv, true);
    const valid = (id: string) => id === '>' || isStrictId(id);
    if (!streams.every(({ id }) => valid(id))) {
      // Redis checks each stream's key and group, in order, before its ID.
      for (const { key, id } of streams) {
        if (!groupExists(core, key, group!)) throw toCommandError(streamError('NOGROUP', 'readGroup', key, group!));
        if (id === '$') {
          fail(
            'ERR The $ ID is meaningless in the context of XREADGROUP: you want to read the history of this consumer by specifying a proper ID, or use the > ID to get new messages. The $ ID would just return an empty result set.',
          );
        }
        if (!valid(id)) fail(errorMessage('INVALID_ID', 'malformed'));
      }
    }
    const reads: XreadgroupStream[] = streams.map(({ key, id }) => ({ key, from: id === '>' ? '>' : strictIdOrFail(id) }));
    const results = core.xreadgroup({
      group: group!,
      consumer: consumer!,
      streams: reads,
      ...(count !== undefined ? { count } : {}),
      ...(noAck ? { noAck: true } : {}),
    });
    const reply = results.map((r) => [r.key, r.entries.map(entryReply)] as Reply);
    return reply.length === 0 ? null : reply;
  },

  XSETID(core, argv) {
    const key = argv[1]!;
    const lastId = strictIdOrFail(argv[2]!);
    let entriesAdded: bigint | undefined;
    let maxDeletedId: StreamId | undefined;
    // A negative count and a MAXDELETEDID above the ID are the core's to refuse.
    // Redis refuses them while parsing, so when both occur the first one given wins.
    const refusals: string[] = [];
    for (let i = 3; i < argv.length; i += 2) {
      const moreArgs = argv.length - 1 - i;
      const opt = argv[i]!.toUpperCase();
      if (opt === 'ENTRIESADDED' && moreArgs > 0) {
        entriesAdded = longLongOrFail(argv[i + 1]!);
        if (entriesAdded < 0n) refusals.push('ERR entries_added must be positive');
      } else if (opt === 'MAXDELETEDID' && moreArgs > 0) {
        maxDeletedId = strictIdOrFail(argv[i + 1]!);
        if (lastId < maxDeletedId) refusals.push(errorMessage('SETID_MAXDELETED_TOO_BIG', 'aboveLastId'));
      } else {
        fail(refusals[0] ?? ERR_SYNTAX);
      }
    }
    if (refusals.length > 1) fail(refusals[0]!);
    core.xsetid(key, {
      lastId,
      ...(entriesAdded !== undefined ? { entriesAdded } : {}),
      ...(maxDeletedId !== undefined ? { maxDeletedId } : {}),
    });
    return 'OK';
  },

  XGROUP(core, argv) {
    const sub = argv[1]!;
    const upper = sub.toUpperCase();
    const key = argv[2]!;
    const group = argv[3]!;
    let mkStream = false;
    let entriesRead: bigint | undefined;
    if ((upper === 'CREATE' || upper === 'SETID') && argv.length >= 5) {
      for (let i = 5; i < argv.length; ) {
        const opt = argv[i]!.toUpperCase();
        if (upper === 'CREATE' && opt === 'MKSTREAM') {
          mkStream = true;
          i++;
        } else if (opt === 'ENTRIESREAD' && i + 1 < argv.length) {
          const value = longLongOrFail(argv[i + 1]!);
          if (value < 0n && value !== -1n) fail(errorMessage('VALIDATION', 'negativeEntriesRead'));
          entriesRead = value === -1n ? undefined : value;
          i += 2;
        } else {
          fail(subcommandSyntax(sub, 'XGROUP'));
        }
      }
    }
    const stateCheck = () => {
      if (!core.exists(key) && !(upper === 'CREATE' && mkStream)) fail(errorMessage('NO_STREAM', 'groupNeedsKey'));
      if (upper !== 'CREATE' && !groupExists(core, key, group)) fail(errorMessage('NOGROUP', 'groupForKey', key, group));
    };
    switch (upper) {
      case 'CREATE': {
        const idText = argv[4]!;
        const startId: StreamId | '$' | undefined = idText === '$' ? '$' : parseId(idText, 0n);
        if (startId === undefined) {
          stateCheck();
          fail(errorMessage('INVALID_ID', 'malformed'));
        }
        const options = { startId, ...(mkStream ? { mkStream: true } : {}), ...(entriesRead !== undefined ? { entriesRead } : {}) };
        core.xgroupCreate(key, group, options);
        return 'OK';
      }
      case 'SETID': {
        if (argv.length !== 5 && argv.length !== 7) fail(subcommandSyntax(sub, 'XGROUP'));
        const idText = argv[4]!;
        const lastId: StreamId | '$' | undefined = idText === '$' ? '$' : parseIdOrSpecial(idText, 0n);
        if (lastId === undefined) {
          stateCheck();
          fail(errorMessage('INVALID_ID', 'malformed'));
        }
        core.xgroupSetId(key, group, { lastId, ...(entriesRead !== undefined ? { entriesRead } : {}) });
        return 'OK';
      }
      case 'DESTROY':
        return core.xgroupDestroy(key, group) ? 1 : 0;
      case 'CREATECONSUMER':
        return core.xgroupCreateConsumer(key, group, argv[4]!) ? 1 : 0;
      case 'DELCONSUMER':
        return core.xgroupDelConsumer(key, group, argv[4]!) ?? 0;
      default:
        return fail(subcommandSyntax(sub, 'XGROUP'));
    }
  },

  XACK(core, argv) {
    const key = argv[1]!;
    const group = argv[2]!;
    const texts = argv.slice(3);
    // Redis answers 0 for a missing key or group before it parses the IDs.
    if (!texts.every(isStrictId) && !groupExists(core, key, group)) return 0;
    return core.xack(key, group, texts.map(strictIdOrFail)) ?? 0;
  },

  XPENDING(core, argv) {
    const key = argv[1]!;
    const group = argv[2]!;
    if (argv.length !== 3 && (argv.length < 6 || argv.length > 9)) fail(ERR_SYNTAX);
    if (argv.length === 3) {
      const summary = core.xpendingSummary(key, group);
      if (summary.count === 0) return [0, null, null, null];
      return [
        summary.count,
        formatId(summary.minId!),
        formatId(summary.maxId!),
        summary.consumers.map((c) => [c.name, String(c.count)]),
      ];
    }
    let at = 3;
    let minIdleMs: number | undefined;
    if (argv[3]!.toUpperCase() === 'IDLE') {
      minIdleMs = num(longLongOrFail(argv[4]!));
      if (argv.length < 8) fail(ERR_SYNTAX);
      at += 2;
    }
    let count = longLongOrFail(argv[at + 2]!);
    if (count < 0n) count = 0n;
    const [start, end] = interval(argv[at]!, argv[at + 1]!);
    const consumer = argv[at + 3];
    // Our API refuses count 0, where Redis answers [] after its checks: ask
    // for one row (XPENDING changes nothing) and drop it.
    const rows = core.xpendingRange(key, group, {
      start,
      end,
      count: count === 0n ? 1 : num(count),
      ...(consumer !== undefined ? { consumer } : {}),
      ...(minIdleMs !== undefined ? { minIdleMs } : {}),
    });
    if (count === 0n) return [];
    return rows.map((r) => [formatId(r.id), r.consumer, r.idleMs, r.deliveryCount]);
  },

  XCLAIM(core, argv) {
    const key = argv[1]!;
    const group = argv[2]!;
    const consumer = argv[3]!;
    const parsed = (() => {
      const minIdle = parseLongLong(argv[4]!);
      if (minIdle === undefined) return () => fail('ERR Invalid min-idle-time argument for XCLAIM');
      let j = 5;
      const ids: StreamId[] = [];
      for (; j < argv.length && isStrictId(argv[j]!); j++) ids.push(strictIdOrFail(argv[j]!));
      let idleMs: number | undefined;
      let timeMs: number | undefined;
      let retryCount: number | undefined;
      let force = false;
      let justId = false;
      let lastId: StreamId | undefined;
      for (; j < argv.length; j++) {
        const moreArgs = argv.length - 1 - j;
        const opt = argv[j]!;
        const upper = opt.toUpperCase();
        if (upper === 'FORCE') force = true;
        else if (upper === 'JUSTID') justId = true;
        else if ((upper === 'IDLE' || upper === 'TIME' || upper === 'RETRYCOUNT') && moreArgs > 0) {
          const value = parseLongLong(argv[++j]!);
          if (value === undefined) {
            const message = `ERR Invalid ${upper} option argument for XCLAIM`;
            return () => fail(message);
          }
          // IDLE and TIME both set the delivery time: the last one given wins.
          if (upper === 'IDLE') [idleMs, timeMs] = [num(value), undefined];
          else if (upper === 'TIME') [timeMs, idleMs] = [num(value), undefined];
          else retryCount = num(value);
        } else if (upper === 'LASTID' && moreArgs > 0) {
          const id = parseId(argv[++j]!, 0n);
          if (id === undefined) return () => fail(errorMessage('INVALID_ID', 'malformed'));
          lastId = id;
        } else {
          return () => fail(`ERR Unrecognized XCLAIM option '${opt}'`);
        }
      }
      return {
        consumer,
        minIdleMs: num(minIdle),
        ids,
        ...(idleMs !== undefined ? { idleMs } : {}),
        ...(timeMs !== undefined ? { timeMs } : {}),
        ...(retryCount !== undefined ? { retryCount } : {}),
        ...(force ? { force } : {}),
        ...(justId ? { justId } : {}),
        ...(lastId !== undefined ? { lastId } : {}),
      };
    })();
    if (typeof parsed === 'function') {
      // Redis looks up the key and group before parsing anything else.
      if (!groupExists(core, key, group)) throw toCommandError(streamError('NOGROUP', 'keyOrGroup', key, group));
      return parsed();
    }
    return deliveriesReply(core.xclaim(key, group, parsed), parsed.justId === true);
  },

  XAUTOCLAIM(core, argv) {
    const key = argv[1]!;
    const group = argv[2]!;
    const consumer = argv[3]!;
    const minIdle = longLongOrFail(argv[4]!, 'ERR Invalid min-idle-time argument for XAUTOCLAIM');
    const bound = boundOrFail(argv[5]!, 'start');
    if (bound.exclusive && bound.id === MAX_ID) fail(errorMessage('INVALID_ID', 'startInterval'));
    const start = bound.exclusive ? bound.id + 1n : bound.id;
    let count: number | undefined;
    let justId = false;
    for (let j = 6; j < argv.length; j++) {
      const moreArgs = argv.length - 1 - j;
      const opt = argv[j]!.toUpperCase();
      if (opt === 'COUNT' && moreArgs > 0) {
        const value = parseLongLong(argv[j + 1]!);
        // getRangeLongFromObjectOrReply(1, LONG_MAX), then Redis's own overflow guard (count * 16).
        if (value === undefined || value < 1n || value > INT64_MAX / 16n) fail('ERR COUNT must be > 0');
        count = num(value);
        j++;
      } else if (opt === 'JUSTID') {
        justId = true;
      } else {
        fail(ERR_SYNTAX);
      }
    }
    const result = core.xautoclaim(key, group, {
      consumer,
      minIdleMs: num(minIdle),
      start,
      ...(count !== undefined ? { count } : {}),
      ...(justId ? { justId } : {}),
    });
    return [formatId(result.nextStart), deliveriesReply(result.entries, justId), result.deletedIds.map(formatId)];
  },

  XINFO(core, argv) {
    const sub = argv[1]!;
    const upper = sub.toUpperCase();
    const key = argv[2]!;
    const noKey = () => fail(errorMessage('NO_STREAM', 'noSuchKey'));
    switch (upper) {
      case 'STREAM': {
        if (argv.length === 3) {
          const info = core.xinfoStream(key) ?? noKey();
          return [
            ...countersReply(info),
            'groups', info.groups,
            'first-entry', info.firstEntry === null ? null : entryReply(info.firstEntry),
            'last-entry', info.lastEntry === null ? null : entryReply(info.lastEntry),
          ];
        }
        // Redis looks the key up before it parses FULL [COUNT n].
        const syntaxOk =
          (argv.length === 4 || (argv.length === 6 && argv[4]!.toUpperCase() === 'COUNT')) &&
          argv[3]!.toUpperCase() === 'FULL';
        if (!syntaxOk || (argv.length === 6 && parseLongLong(argv[5]!) === undefined)) {
          if (!core.exists(key)) noKey();
          if (!syntaxOk) fail(subcommandSyntax(sub, 'XINFO'));
        }
        let count: number | undefined;
        if (argv.length === 6) {
          const value = longLongOrFail(argv[5]!);
          count = value < 0n ? 0 : num(value);
        }
        const info = core.xinfoStreamFull(key, count) ?? noKey();
        return [
          ...countersReply(info),
          'entries', info.entries.map(entryReply),
          'groups', info.groups.map((g) => [
            'name', g.name,
            'last-delivered-id', formatId(g.lastDeliveredId),
            'entries-read', nullableNum(g.entriesRead),
            'lag', nullableNum(g.lag),
            'pel-count', g.pelCount,
            'pending', g.pending.map((p) => [formatId(p.id), p.consumer, p.deliveryTime, p.deliveryCount]),
            'consumers', g.consumers.map((c) => [
              'name', c.name,
              'seen-time', c.seenTime,
              'active-time', c.activeTime,
              'pel-count', c.pelCount,
              'pending', c.pending.map((p) => [formatId(p.id), p.deliveryTime, p.deliveryCount]),
            ]),
          ]),
        ];
      }
      case 'GROUPS':
        return (core.xinfoGroups(key) ?? noKey()).map(groupReply);
      case 'CONSUMERS':
        return core.xinfoConsumers(key, argv[3]!).map((c) => [
          'name', c.name,
          'pending', c.pending,
          'idle', c.idleMs,
          'inactive', c.inactiveMs,
        ]);
      default:
        return fail(subcommandSyntax(sub, 'XINFO'));
    }
  },
};

/**
 * Start and end bounds. Redis rejects an exclusive start at the maximum ID
 * before it parses the end, so that error wins over a malformed end.
 */
function interval(lowText: string, highText: string): [RangeBound, RangeBound] {
  const start = boundOrFail(lowText, 'start');
  if (parseRangeBound(highText, 'end') === undefined && start.exclusive && start.id === MAX_ID) {
    fail(errorMessage('INVALID_ID', 'startInterval'));
  }
  return [start, boundOrFail(highText, 'end')];
}

function range(core: StreamCommands, argv: string[], reverse: boolean): Reply {
  const key = argv[1]!;
  const [lowText, highText] = reverse ? [argv[3]!, argv[2]!] : [argv[2]!, argv[3]!];
  const [start, end] = interval(lowText, highText);
  let count: bigint | undefined;
  for (let j = 4; j < argv.length; j++) {
    if (argv[j]!.toUpperCase() === 'COUNT' && j + 1 < argv.length) {
      count = longLongOrFail(argv[++j]!);
      if (count < 0n) count = 0n;
    } else {
      fail(ERR_SYNTAX);
    }
  }
  // COUNT 0 is a nil reply in Redis once the key is found; our API refuses
  // count 0 by design (API.md), so ask for one entry and drop it.
  const entries = core.xrange(key, {
    start,
    end,
    ...(count !== undefined ? { count: count === 0n ? 1 : num(count) } : {}),
    ...(reverse ? { reverse: true } : {}),
  });
  if (entries === null) return [];
  return count === 0n ? null : entries.map(entryReply);
}

interface ParsedRead {
  count?: number;
  group?: string;
  consumer?: string;
  noAck: boolean;
  streams: { key: string; id: string }[];
}

/** The option loop of xreadCommand (BLOCK is not generated: every read is non-blocking). */
function parseRead(argv: string[], xreadgroup: boolean): ParsedRead {
  const parsed: ParsedRead = { noAck: false, streams: [] };
  let streamsAt = 0;
  for (let i = 1; i < argv.length; i++) {
    const moreArgs = argv.length - 1 - i;
    const opt = argv[i]!.toUpperCase();
    if (opt === 'COUNT' && moreArgs > 0) {
      const count = longLongOrFail(argv[++i]!);
      // COUNT 0 (or negative) means no limit, as when it is not given.
      if (count > 0n) parsed.count = num(count);
      else delete parsed.count;
    } else if (opt === 'STREAMS' && moreArgs > 0) {
      streamsAt = i + 1;
      if ((argv.length - streamsAt) % 2 !== 0) {
        fail("ERR Unbalanced XREAD list of streams: for each stream key an ID or '$' must be specified.");
      }
      break;
    } else if (opt === 'GROUP' && moreArgs >= 2) {
      if (!xreadgroup) fail('ERR The GROUP option is only supported by XREADGROUP. You called XREAD instead.');
      parsed.group = argv[i + 1]!;
      parsed.consumer = argv[i + 2]!;
      i += 2;
    } else if (opt === 'NOACK') {
      if (!xreadgroup) fail('ERR The NOACK option is only supported by XREADGROUP. You called XREAD instead.');
      parsed.noAck = true;
    } else {
      fail(ERR_SYNTAX);
    }
  }
  if (streamsAt === 0) fail(ERR_SYNTAX);
  if (xreadgroup && parsed.group === undefined) fail('ERR Missing GROUP option for XREADGROUP');
  const n = (argv.length - streamsAt) / 2;
  for (let i = 0; i < n; i++) parsed.streams.push({ key: argv[streamsAt + i]!, id: argv[streamsAt + n + i]! });
  return parsed;
}

function toCommandError(error: StreamError): CommandError {
  return new CommandError(error.message, error.code);
}

/**
 * Runs `argv` on the core. Returns the ioredis-shaped reply or throws a
 * CommandError with Redis's message; anything else the core throws (a
 * TypeError, ...) propagates as is, and the harness reports it as a crash.
 */
export function execute(core: StreamCommands, argv: string[]): Reply {
  const name = argv[0]!.toUpperCase();
  const handler = handlers[name];
  if (!handler) throw new Error(`adapter: unsupported command ${name}`);
  const arity = ARITY[name];
  if (arity !== undefined && !arityOk(arity, argv.length)) fail(`ERR wrong number of arguments for '${name.toLowerCase()}' command`);
  const subArity = SUB_ARITY[name];
  if (subArity) {
    const sub = argv[1]?.toUpperCase() ?? '';
    const a = subArity[sub];
    if (a === undefined || !arityOk(a, argv.length)) {
      fail(`ERR unknown subcommand or wrong number of arguments for '${argv[1] ?? ''}'. Try ${name} HELP.`);
    }
  }
  try {
    return handler(core, argv);
  } catch (error) {
    if (error instanceof StreamError) throw toCommandError(error);
    throw error;
  }
}
