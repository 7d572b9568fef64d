/**
 * The Redis backend against the embedded one: random sequences of contract
 * calls run on both, and every answer (value, or error code and message)
 * must agree. Times (idle, delivery, seen) are left out; `*` IDs are not
 * generated (the two clocks differ), `<ms>-*` ones are. Known Redis 7.2
 * (Valkey) differences, listed in the README, are normalised here and only
 * here.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { StreamBackend } from '../../src/backends/contract.js';
import { StreamError } from '../../src/domain/errors.js';
import { makeId, MAX_ID, type StreamId } from '../../src/domain/ids.js';
import type { BackendLimits } from '../../src/domain/types.js';
import { backendMatrix, DEFAULT_LIMITS, embeddedRow, useBackend } from '../helpers/backends.js';

const rows = backendMatrix().filter((row) => row.kind === 'redis' && row.available);

type Op = { name: string; run: (b: StreamBackend, prefix: string) => Promise<unknown> };

const stream = fc.constantFrom('s0', 's1');
const group = fc.constantFrom('g0', 'g1');
const consumer = fc.constantFrom('c0', 'c1', 'c2');
const ms = fc.integer({ min: 1, max: 12 });
const anId = fc.tuple(ms, fc.integer({ min: 0, max: 2 })).map(([m, s]): StreamId => makeId(BigInt(m), BigInt(s)));
const ids = fc.array(anId, { minLength: 1, maxLength: 4 });
const fields = fc.constantFrom(['a', '1'], ['a', '1', 'b', '2'], ['x', 'y', 'x', 'z']).map((f): string[] => [...f]);
const addId = fc.oneof(
  anId.map((id) => ({ kind: 'explicit' as const, id })),
  ms.map((m) => ({ kind: 'auto-seq' as const, ms: BigInt(m) })),
);
const all = { start: { id: 0n, exclusive: false }, end: { id: MAX_ID, exclusive: false } };

const ops: fc.Arbitrary<Op>[] = [
  fc.record({ s: stream, id: addId, f: fields, noMk: fc.boolean(), maxLen: fc.option(fc.integer({ min: 0, max: 4 }), { nil: undefined }) }).map((a) => ({
    name: `append ${JSON.stringify(a, big)}`,
    run: (b: StreamBackend, p: string) =>
      b.append(p + a.s, { id: a.id, fields: a.f, noMkStream: a.noMk, ...(a.maxLen !== undefined && { trim: { maxLen: BigInt(a.maxLen), approximate: false } }) }),
  })),
  fc.record({ s: stream, msgs: fc.array(fc.record({ id: addId, f: fields }), { minLength: 1, maxLength: 3 }) }).map((a) => ({
    name: `appendBatch ${JSON.stringify(a, big)}`,
    run: (b: StreamBackend, p: string) => b.appendBatch(p + a.s, a.msgs.map((m) => ({ id: m.id, fields: m.f })), {}),
  })),
  fc.record({ s: stream, count: fc.option(fc.integer({ min: 1, max: 3 }), { nil: undefined }), reverse: fc.boolean() }).map((a) => ({
    name: `range ${JSON.stringify(a)}`,
    run: (b: StreamBackend, p: string) => b.range(p + a.s, { ...all, count: a.count, reverse: a.reverse }),
  })),
  fc.record({ s: stream, after: anId }).map((a) => ({
    name: `readStreams ${JSON.stringify(a, big)}`,
    run: (b: StreamBackend, p: string) => b.readStreams([{ key: p + a.s, after: a.after }], undefined, { waitMs: 0 }),
  })),
  fc.record({ s: stream, ids }).map((a) => ({ name: `deleteEntries ${JSON.stringify(a, big)}`, run: (b: StreamBackend, p: string) => b.deleteEntries(p + a.s, a.ids) })),
  fc.record({ s: stream, maxLen: fc.integer({ min: 0, max: 3 }) }).map((a) => ({
    name: `trim ${JSON.stringify(a)}`,
    run: (b: StreamBackend, p: string) => b.trim(p + a.s, { maxLen: BigInt(a.maxLen), approximate: false }),
  })),
  fc.record({ s: stream, last: anId }).map((a) => ({ name: `setStreamId ${JSON.stringify(a, big)}`, run: (b: StreamBackend, p: string) => b.setStreamId(p + a.s, { lastId: a.last }) })),
  fc.record({ s: stream, g: group, start: fc.oneof(fc.constant('$' as const), anId), mk: fc.boolean() }).map((a) => ({
    name: `createGroup ${JSON.stringify(a, big)}`,
    run: (b: StreamBackend, p: string) => b.createGroup(p + a.s, a.g, { startId: a.start, mkStream: a.mk }),
  })),
  fc.record({ s: stream, g: group, last: fc.oneof(fc.constant('$' as const), anId) }).map((a) => ({
    name: `setGroupId ${JSON.stringify(a, big)}`,
    run: (b: StreamBackend, p: string) => b.setGroupId(p + a.s, a.g, { lastId: a.last }),
  })),
  fc.record({ s: stream, g: group }).map((a) => ({ name: `destroyGroup ${JSON.stringify(a)}`, run: (b: StreamBackend, p: string) => b.destroyGroup(p + a.s, a.g) })),
  fc.record({ s: stream, g: group, c: consumer }).map((a) => ({ name: `createConsumer ${JSON.stringify(a)}`, run: (b: StreamBackend, p: string) => b.createConsumer(p + a.s, a.g, a.c) })),
  fc.record({ s: stream, g: group, c: consumer }).map((a) => ({ name: `deleteConsumer ${JSON.stringify(a)}`, run: (b: StreamBackend, p: string) => b.deleteConsumer(p + a.s, a.g, a.c) })),
  fc.record({ s: stream, g: group, c: consumer, count: fc.option(fc.integer({ min: 1, max: 3 }), { nil: undefined }), history: fc.boolean(), noAck: fc.integer({ min: 0, max: 3 }).map((x) => x === 0) }).map((a) => ({
    name: `readGroup ${JSON.stringify(a)}`,
    run: (b: StreamBackend, p: string) =>
      b.readGroup({ group: a.g, consumer: a.c, streams: [{ key: p + a.s, from: a.history ? 0n : '>' }], count: a.count, noAck: a.noAck }, { waitMs: 0 }),
  })),
  fc.record({ s: stream, g: group, ids }).map((a) => ({ name: `ack ${JSON.stringify(a, big)}`, run: (b: StreamBackend, p: string) => b.ack(p + a.s, a.g, a.ids) })),
  fc.record({ s: stream, g: group }).map((a) => ({ name: `pendingSummary ${JSON.stringify(a)}`, run: (b: StreamBackend, p: string) => b.pendingSummary(p + a.s, a.g) })),
  fc.record({ s: stream, g: group, c: fc.option(consumer, { nil: undefined }) }).map((a) => ({
    name: `pendingEntries ${JSON.stringify(a)}`,
    run: (b: StreamBackend, p: string) => b.pendingEntries(p + a.s, a.g, { ...all, count: 10, consumer: a.c }),
  })),
  fc.record({ s: stream, g: group, c: consumer, ids, force: fc.boolean(), justId: fc.boolean() }).map((a) => ({
    name: `claim ${JSON.stringify(a, big)}`,
    run: (b: StreamBackend, p: string) => b.claim(p + a.s, a.g, { consumer: a.c, minIdleMs: 0, ids: a.ids, force: a.force, justId: a.justId }),
  })),
  fc.record({ s: stream, g: group, c: consumer, count: fc.integer({ min: 1, max: 3 }), justId: fc.boolean() }).map((a) => ({
    name: `autoclaim ${JSON.stringify(a)}`,
    run: (b: StreamBackend, p: string) => b.autoclaim(p + a.s, a.g, { consumer: a.c, minIdleMs: 0, start: 0n, count: a.count, justId: a.justId }),
  })),
  stream.map((s) => ({ name: `streamInfo ${s}`, run: (b: StreamBackend, p: string) => b.streamInfo(p + s) })),
  stream.map((s) => ({ name: `streamInfoFull ${s}`, run: (b: StreamBackend, p: string) => b.streamInfoFull(p + s, 0) })),
  fc.record({ s: stream, count: fc.integer({ min: 1, max: 3 }) }).map((a) => ({
    name: `streamInfoFull COUNT ${JSON.stringify(a)}`,
    run: (b: StreamBackend, p: string) => b.streamInfoFull(p + a.s, a.count),
  })),
  stream.map((s) => ({ name: `groups ${s}`, run: (b: StreamBackend, p: string) => b.groups(p + s) })),
  fc.record({ s: stream, g: group }).map((a) => ({ name: `consumers ${JSON.stringify(a)}`, run: (b: StreamBackend, p: string) => b.consumers(p + a.s, a.g) })),
  // 22..
  fc.record({ s: stream, msgs: fc.array(fc.record({ id: addId, f: fields }), { minLength: 1, maxLength: 3 }), minId: anId, noMk: fc.boolean() }).map((a) => ({
    name: `appendBatch with MINID ${JSON.stringify(a, big)}`,
    run: (b: StreamBackend, p: string) =>
      b.appendBatch(p + a.s, a.msgs.map((m) => ({ id: m.id, fields: m.f })), { noMkStream: a.noMk, trim: { minId: a.minId, approximate: false } }),
  })),
  // MAXCOUNT / MAXSIZE over both streams (maxCount below count included: a VALIDATION error on both).
  fc
    .record({
      after: fc.tuple(anId, anId),
      count: fc.option(fc.integer({ min: 1, max: 3 }), { nil: undefined }),
      maxCount: fc.option(fc.integer({ min: 1, max: 4 }), { nil: undefined }),
      maxBytes: fc.option(fc.integer({ min: 1, max: 8 }), { nil: undefined }),
    })
    .map((a) => ({
      name: `readStreams MAXCOUNT/MAXSIZE ${JSON.stringify(a, big)}`,
      run: (b: StreamBackend, p: string) =>
        b.readStreams([{ key: `${p}s0`, after: a.after[0] }, { key: `${p}s1`, after: a.after[1] }], a.count, { waitMs: 0 }, { maxCount: a.maxCount, maxBytes: a.maxBytes }),
    })),
  fc
    .record({
      g: group,
      c: consumer,
      history: fc.boolean(),
      count: fc.option(fc.integer({ min: 1, max: 3 }), { nil: undefined }),
      maxCount: fc.option(fc.integer({ min: 1, max: 4 }), { nil: undefined }),
      maxBytes: fc.option(fc.integer({ min: 1, max: 8 }), { nil: undefined }),
    })
    .map((a) => ({
      name: `readGroup MAXCOUNT/MAXSIZE ${JSON.stringify(a)}`,
      run: (b: StreamBackend, p: string) =>
        b.readGroup(
          { group: a.g, consumer: a.c, streams: ['s0', 's1'].map((s) => ({ key: p + s, from: a.history ? 0n : ('>' as const) })), count: a.count, maxCount: a.maxCount, maxBytes: a.maxBytes },
          { waitMs: 0 },
        ),
    })),
  fc.record({ s: stream, after: fc.constantFrom('$' as const, '+' as const) }).map((a) => ({
    name: `readStreams ${JSON.stringify(a)}`,
    run: (b: StreamBackend, p: string) => b.readStreams([{ key: p + a.s, after: a.after }], 2, { waitMs: 0 }),
  })),
  fc.record({ s: stream, g: group, start: anId, er: fc.option(fc.integer({ min: -1, max: 6 }), { nil: undefined }), mk: fc.boolean() }).map((a) => ({
    name: `createGroup ENTRIESREAD ${JSON.stringify(a, big)}`,
    run: (b: StreamBackend, p: string) => b.createGroup(p + a.s, a.g, { startId: a.start, mkStream: a.mk, ...(a.er !== undefined && { entriesRead: BigInt(a.er) }) }),
  })),
  fc.record({ s: stream, g: group, last: anId, er: fc.integer({ min: -1, max: 6 }) }).map((a) => ({
    name: `setGroupId ENTRIESREAD ${JSON.stringify(a, big)}`,
    run: (b: StreamBackend, p: string) => b.setGroupId(p + a.s, a.g, { lastId: a.last, entriesRead: BigInt(a.er) }),
  })),
  fc.record({ s: stream, g: group, c: consumer, ids, retry: fc.integer({ min: -1, max: 5 }), lastId: fc.option(anId, { nil: undefined }) }).map((a) => ({
    name: `claim RETRYCOUNT LASTID ${JSON.stringify(a, big)}`,
    run: (b: StreamBackend, p: string) => b.claim(p + a.s, a.g, { consumer: a.c, minIdleMs: 0, ids: a.ids, retryCount: a.retry, lastId: a.lastId }),
  })),
  fc.record({ s: stream, g: group, c: consumer, start: anId, count: fc.integer({ min: 1, max: 3 }) }).map((a) => ({
    name: `autoclaim from ${JSON.stringify(a, big)}`,
    run: (b: StreamBackend, p: string) => b.autoclaim(p + a.s, a.g, { consumer: a.c, minIdleMs: 0, start: a.start, count: a.count }),
  })),
  fc.record({ s: stream, last: anId, added: fc.option(fc.integer({ min: -1, max: 12 }), { nil: undefined }), maxDeleted: fc.option(anId, { nil: undefined }) }).map((a) => ({
    name: `setStreamId full ${JSON.stringify(a, big)}`,
    run: (b: StreamBackend, p: string) =>
      b.setStreamId(p + a.s, { lastId: a.last, ...(a.added !== undefined && { entriesAdded: BigInt(a.added) }), ...(a.maxDeleted !== undefined && { maxDeletedId: a.maxDeleted }) }),
  })),
  stream.map((s) => ({ name: `deleteStream ${s}`, run: (b: StreamBackend, p: string) => b.deleteStream(p + s) })),
  stream.map((s) => ({
    name: `exists, length ${s}`,
    run: async (b: StreamBackend, p: string) => [await b.streamExists(p + s), await b.length(p + s)],
  })),
  fc.constant({ name: 'listStreams', run: (b: StreamBackend, p: string) => b.listStreams({ prefix: p, limit: 1 }) }),
  fc.record({ s: stream, g: group, c: consumer, limit: fc.integer({ min: 1, max: 3 }) }).map((a) => ({
    name: `pendingBelow ${JSON.stringify(a)}`,
    run: (b: StreamBackend, p: string) => b.pendingBelow(p + a.s, a.g, a.c, a.limit, { waitMs: 0 }),
  })),
  fc.record({ s: stream, g: group }).map((a) => ({ name: `group ${JSON.stringify(a)}`, run: (b: StreamBackend, p: string) => b.group(p + a.s, a.g) })),
  fc.record({ s: stream, start: anId, end: anId, exclusive: fc.boolean() }).map((a) => ({
    name: `range bounds ${JSON.stringify(a, big)}`,
    run: (b: StreamBackend, p: string) => b.range(p + a.s, { start: { id: a.start, exclusive: a.exclusive }, end: { id: a.end, exclusive: a.exclusive } }),
  })),
];
/** Appends and group reads weigh more: they make the PELs that the other calls act on. */
const WEIGHTS: Record<number, number> = { 0: 4, 1: 2, 12: 6, 13: 2, 14: 2, 15: 3, 16: 2, 17: 2, 20: 2 };
const op: fc.Arbitrary<Op> = fc.oneof(...ops.map((arbitrary, i) => ({ arbitrary, weight: WEIGHTS[i] ?? 1 })));

/** Each run starts from two streams with one group each, so that most calls find what they act on. */
const SETUP: Op[] = ['s0', 's1'].flatMap((name) => [
  { name: `append ${name}`, run: (b: StreamBackend, p: string) => b.append(p + name, { id: { kind: 'explicit', id: makeId(1n, 0n) }, fields: ['a', '1'] }) },
  { name: `createGroup ${name} g0`, run: (b: StreamBackend, p: string) => b.createGroup(p + name, 'g0', { startId: 0n }) },
]);

function big(_key: string, value: unknown): unknown {
  return typeof value === 'bigint' ? value.toString() : value;
}

/** Keys whose values are clocks: they cannot agree between two servers. */
const TIMES = new Set(['idleMs', 'inactiveMs', 'deliveryTime', 'seenTime', 'activeTime']);

async function outcome(run: () => Promise<unknown>, prefix: string, redis72: boolean): Promise<string> {
  try {
    const value = await run();
    return String(JSON.stringify(value, (key, v) => (TIMES.has(key) ? undefined : big(key, v))));
  } catch (err) {
    if (!(err instanceof StreamError)) throw err;
    let message = err.message.split(prefix).join('');
    // Redis 7.2 checks XSETID against max-deleted-entry-id first (README, "Where the Redis backend differs").
    if (redis72 && message === 'ERR The ID specified in XSETID is smaller than current max_deleted_entry_id') {
      message = 'ERR The ID specified in XSETID is smaller than the target stream top item';
    }
    return `error ${err.code}: ${message}`;
  }
}

/**
 * Caps tight enough that the random calls meet them: a reply budget of 5 bytes (one or two of the
 * generated entries) and 2 consumers per group (3 names are generated).
 */
const TIGHT_LIMITS: BackendLimits = { replyBytes: 5, maxStreams: Number.POSITIVE_INFINITY, maxConsumersPerGroup: 2, maxMemoryBytes: Number.POSITIVE_INFINITY };

describe.each(rows.flatMap((row) => [{ ...row, caps: 'default caps', limits: DEFAULT_LIMITS }, { ...row, caps: 'tight caps', limits: TIGHT_LIMITS }]))('the Redis backend answers as the embedded one: $name, $caps', (row) => {
  const limits = { limits: row.limits };
  const env = useBackend(row, { ...(row.cluster ? { keyPrefix: 'sg:' } : {}), ...limits });
  const embedded = useBackend(embeddedRow, limits);
  const redis72 = row.name.startsWith('valkey');
  let runNumber = 0;
  let answeredTotal = 0;
  let callsTotal = 0;

  it('over random sequences of calls', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 5, maxLength: 60 }), async (ops) => {
        const prefix = `run${runNumber++}-${Date.now()}-`;
        const theirs = await embedded.servers.makeBackend(limits);
        let answered = 0;
        try {
          for (const o of [...SETUP, ...ops]) {
            const expected = await outcome(() => o.run(theirs, prefix), prefix, false);
            const actual = await outcome(() => o.run(env.backend, prefix), prefix, redis72);
            // XSETID below max-deleted-entry-id: Redis 7.2 refuses what 7.0 accepts (README); state then differs, stop comparing.
            if (redis72 && o.name.startsWith('setStreamId') && expected !== actual) return;
            expect(actual, `${o.name}\n(after ${ops.indexOf(o)} calls)`).toBe(expected);
            if (!expected.startsWith('error')) answered++;
          }
          answeredTotal += answered;
          callsTotal += SETUP.length + ops.length;
        } finally {
          await theirs.close();
        }
      }),
      { numRuns: 100 },
    );
    // Most calls must do something, or the comparison proves little.
    expect(answeredTotal).toBeGreaterThan(callsTotal / 2);
  }, 120_000);
});
