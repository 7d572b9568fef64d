/**
 * The backend contract, method by method, with the same expectations on
 * every backend of the matrix: what embedded answers, Redis and Valkey
 * (standalone and Cluster) answer too, errors by code and message.
 */
import { describe, expect, it } from 'vitest';
import type { StreamBackend } from '../../src/backends/contract.js';
import { StreamError } from '../../src/domain/errors.js';
import { makeId, MAX_ID, parseId, type StreamId } from '../../src/domain/ids.js';
import { streamName } from '../helpers/app.js';
import { backendMatrix, useBackend } from '../helpers/backends.js';

const rows = backendMatrix().filter((row) => row.available);

const id = (text: string): StreamId => parseId(text)!;
const all = { start: { id: 0n, exclusive: false }, end: { id: MAX_ID, exclusive: false } };

async function failure(promise: Promise<unknown>): Promise<StreamError> {
  try {
    await promise;
  } catch (err) {
    expect(err).toBeInstanceOf(StreamError);
    return err as StreamError;
  }
  throw new Error('expected a StreamError');
}

async function seed(backend: StreamBackend, stream: string, n: number): Promise<StreamId[]> {
  const ids: StreamId[] = [];
  for (let i = 1; i <= n; i++) ids.push((await backend.append(stream, { id: { kind: 'explicit', id: makeId(BigInt(i), 0n) }, fields: ['n', String(i)] }))!);
  return ids;
}

describe.each(rows)('contract on $name', (row) => {
  const env = useBackend(row, row.cluster ? { keyPrefix: 'sg:' } : {});

  describe('entries', () => {
    it('append answers the ID; explicit, auto and auto-seq IDs; errors as Redis', async () => {
      const b = env.backend;
      const s = streamName();
      expect(await b.append(s, { id: { kind: 'explicit', id: id('5-1') }, fields: ['a', '1'] })).toBe(id('5-1'));
      expect(await b.append(s, { id: { kind: 'auto-seq', ms: 5n }, fields: ['a', '2'] })).toBe(id('5-2'));
      expect(await b.append(s, { id: { kind: 'auto-seq', ms: 7n }, fields: ['a', '3'] })).toBe(id('7-0'));
      const auto = (await b.append(s, { id: { kind: 'auto' }, fields: ['a', '4'] }))!;
      expect(auto >> 64n).toBeGreaterThan(BigInt(Date.now() - 60_000));
      let e = await failure(b.append(s, { id: { kind: 'explicit', id: id('6-0') }, fields: ['a', '1'] }));
      expect([e.code, e.message]).toEqual(['ID_NOT_GREATER', 'ERR The ID specified in XADD is equal or smaller than the target stream top item']);
      e = await failure(b.append(s, { id: { kind: 'explicit', id: 0n }, fields: ['a', '1'] }));
      expect([e.code, e.message]).toEqual(['ID_NOT_GREATER', 'ERR The ID specified in XADD must be greater than 0-0']);
      e = await failure(b.append(s, { id: { kind: 'auto' }, fields: ['a'] }));
      expect([e.code, e.message]).toEqual(['VALIDATION', "ERR wrong number of arguments for 'xadd' command"]);
      expect(await b.append(streamName(), { id: { kind: 'auto' }, fields: ['a', '1'], noMkStream: true })).toBeNull();
      expect(await b.length(s)).toBe(4);
    });

    it('append at the top of the ID space: exhausted and sequence exhausted', async () => {
      const b = env.backend;
      const s = streamName();
      await b.append(s, { id: { kind: 'explicit', id: makeId(9n, (1n << 64n) - 1n) }, fields: ['a', '1'] });
      const e = await failure(b.append(s, { id: { kind: 'auto-seq', ms: 9n }, fields: ['a', '1'] }));
      expect([e.code, e.message]).toEqual(['SEQ_EXHAUSTED', 'ERR Elements are too large to be stored']);
      await b.append(s, { id: { kind: 'explicit', id: MAX_ID }, fields: ['a', '1'] });
      for (const spec of [{ kind: 'auto' }, { kind: 'explicit', id: MAX_ID }] as const) {
        const x = await failure(b.append(s, { id: spec, fields: ['a', '1'] }));
        expect([x.code, x.message]).toEqual(['ID_EXHAUSTED', 'ERR The stream has exhausted the last possible ID, unable to add more items']);
      }
    });

    it('appendBatch is checked whole: nothing is added when any message fails', async () => {
      const b = env.backend;
      const s = streamName();
      await seed(b, s, 2);
      const e = await failure(
        b.appendBatch(s, [
          { id: { kind: 'explicit', id: id('10-0') }, fields: ['a', '1'] },
          { id: { kind: 'explicit', id: id('9-0') }, fields: ['a', '2'] },
        ], {}),
      );
      expect([e.code, e.message]).toEqual(['ID_NOT_GREATER', 'ERR The ID specified in XADD is equal or smaller than the target stream top item (message 1)']);
      expect(await b.length(s)).toBe(2);
      const zero = await failure(b.appendBatch(s, [{ id: { kind: 'auto' }, fields: ['a', '1'] }, { id: { kind: 'explicit', id: 0n }, fields: ['a', '1'] }], {}));
      expect([zero.code, zero.message]).toEqual(['ID_NOT_GREATER', 'ERR The ID specified in XADD must be greater than 0-0 (message 1)']);
      const odd = await failure(b.appendBatch(s, [{ id: { kind: 'auto' }, fields: ['a', '1'] }, { id: { kind: 'auto' }, fields: ['a'] }], {}));
      expect(odd.code).toBe('VALIDATION');
      const limit = await failure(b.appendBatch(s, [{ id: { kind: 'auto' }, fields: ['a', '1'] }], { trim: { maxLen: 1n, approximate: false, limit: 5 } }));
      expect([limit.code, limit.message]).toEqual(['VALIDATION', 'ERR syntax error, LIMIT cannot be used without the special ~ option']);
      expect(await b.length(s)).toBe(2);
      const ids = await b.appendBatch(
        s,
        [
          { id: { kind: 'explicit', id: id('10-5') }, fields: ['a', '1'] },
          { id: { kind: 'auto-seq', ms: 10n }, fields: ['a', '2'] },
          { id: { kind: 'auto-seq', ms: 11n }, fields: ['a', '3'] },
        ],
        { trim: { maxLen: 3n, approximate: false } },
      );
      expect(ids).toEqual([id('10-5'), id('10-6'), id('11-0')]);
      expect((await b.range(s, all))!.map((x) => x.id)).toEqual(ids);
      expect(await b.appendBatch(streamName(), [{ id: { kind: 'auto' }, fields: ['a', '1'] }], { noMkStream: true })).toBeNull();
      const auto = (await b.appendBatch(s, [{ id: { kind: 'auto' }, fields: ['a', '1'] }, { id: { kind: 'auto' }, fields: ['a', '2'] }], {}))!;
      expect(auto[1]! > auto[0]!).toBe(true);
    });

    it('range, reverse range, counts, exclusive bounds; null for a missing stream', async () => {
      const b = env.backend;
      const s = streamName();
      const ids = await seed(b, s, 5);
      expect(await b.range(s, { ...all, count: 2 })).toEqual([
        { id: ids[0], fields: ['n', '1'] },
        { id: ids[1], fields: ['n', '2'] },
      ]);
      expect((await b.range(s, { ...all, reverse: true, count: 2 }))!.map((e) => e.id)).toEqual([ids[4], ids[3]]);
      expect((await b.range(s, { start: { id: ids[1]!, exclusive: true }, end: { id: ids[3]!, exclusive: true } }))!.map((e) => e.id)).toEqual([ids[2]]);
      expect(await b.range(s, { start: { id: id('100-0'), exclusive: false }, end: { id: MAX_ID, exclusive: false } })).toEqual([]);
      expect(await b.range(streamName(), all)).toBeNull();
      const e = await failure(b.range(s, { start: { id: MAX_ID, exclusive: true }, end: { id: MAX_ID, exclusive: false } }));
      expect([e.code, e.message]).toEqual(['INVALID_ID', 'ERR invalid start ID for the interval']);
      expect(await b.length(streamName())).toBe(0);
      expect(await b.streamExists(s)).toBe(true);
      expect(await b.streamExists(streamName())).toBe(false);
    });

    it('readStreams without waiting: after an ID, $ and +', async () => {
      const b = env.backend;
      const s = streamName();
      const ids = await seed(b, s, 3);
      expect(await b.readStreams([{ key: s, after: ids[0]! }], 1, { waitMs: 0 })).toEqual([{ key: s, entries: [{ id: ids[1], fields: ['n', '2'] }] }]);
      expect(await b.readStreams([{ key: s, after: '$' }], undefined, { waitMs: 0 })).toEqual([]);
      expect(await b.readStreams([{ key: s, after: '+' }], undefined, { waitMs: 0 })).toEqual([{ key: s, entries: [{ id: ids[2], fields: ['n', '3'] }] }]);
      expect(await b.readStreams([{ key: streamName(), after: 0n }], undefined, { waitMs: 0 })).toEqual([]);
    });

    it('deleteEntries, trim, setStreamId, deleteStream', async () => {
      const b = env.backend;
      const s = streamName();
      const ids = await seed(b, s, 6);
      expect(await b.deleteEntries(s, [ids[0]!, ids[0]!, id('99-0')])).toBe(1);
      expect(await b.deleteEntries(streamName(), [ids[0]!])).toBe(0);
      expect(await b.trim(s, { maxLen: 3n, approximate: false })).toBe(2);
      expect(await b.trim(s, { minId: ids[4]!, approximate: false })).toBe(1);
      expect(await b.trim(streamName(), { maxLen: 1n, approximate: false })).toBeNull();
      const bad = await failure(b.trim(s, { maxLen: -1n, approximate: false }));
      expect([bad.code, bad.message]).toEqual(['VALIDATION', 'ERR The MAXLEN argument must be >= 0.']);
      await b.setStreamId(s, { lastId: id('50-0'), entriesAdded: 100n, maxDeletedId: id('3-0') });
      const info = (await b.streamInfo(s))!;
      expect([info.lastGeneratedId, info.entriesAdded, info.maxDeletedEntryId, info.length]).toEqual([id('50-0'), 100n, id('3-0'), 2]);
      let e = await failure(b.setStreamId(s, { lastId: id('1-0') }));
      // Redis 7.2 semantics (Valkey 8) check max-deleted-entry-id first: a difference the README lists.
      const message = row.name.startsWith('valkey')
        ? 'ERR The ID specified in XSETID is smaller than current max_deleted_entry_id'
        : 'ERR The ID specified in XSETID is smaller than the target stream top item';
      expect([e.code, e.message]).toEqual(['SETID_TOO_SMALL', message]);
      e = await failure(b.setStreamId(streamName(), { lastId: id('1-0') }));
      expect([e.code, e.message]).toEqual(['NO_STREAM', 'ERR no such key']);
      expect(await b.deleteStream(s)).toBe(true);
      expect(await b.deleteStream(s)).toBe(false);
      expect(await b.streamInfo(s)).toBeNull();
    });

    it('streamInfo and streamInfoFull', async () => {
      const b = env.backend;
      const s = streamName();
      const ids = await seed(b, s, 3);
      await b.createGroup(s, 'g', { startId: 0n });
      await b.readGroup({ group: 'g', consumer: 'c', streams: [{ key: s, from: '>' }], count: 2 }, { waitMs: 0 });
      expect(await b.streamInfo(s)).toEqual({
        length: 3,
        radixTreeKeys: 1,
        lastGeneratedId: ids[2],
        maxDeletedEntryId: 0n,
        entriesAdded: 3n,
        recordedFirstEntryId: ids[0],
        groups: 1,
        // Nothing idempotent was appended: the default windows (as a pre-8.6 Redis stands), nothing tracked.
        idempotency: { durationS: 100, maxSize: 100, producersTracked: 0, keysTracked: 0, keysAdded: 0n, duplicates: 0n },
        firstEntry: { id: ids[0], fields: ['n', '1'] },
        lastEntry: { id: ids[2], fields: ['n', '3'] },
      });
      const full = (await b.streamInfoFull(s, 0))!;
      expect(full.entries.map((e) => e.id)).toEqual(ids);
      expect(full.groups).toHaveLength(1);
      const g = full.groups[0]!;
      expect([g.name, g.lastDeliveredId, g.entriesRead, g.lag, g.pelCount, g.nackedCount]).toEqual(['g', ids[1], 2n, 1n, 2, 0]);
      expect(g.pending.map((p) => [p.id, p.consumer, p.deliveryCount])).toEqual([
        [ids[0], 'c', 1],
        [ids[1], 'c', 1],
      ]);
      expect(g.consumers.map((c) => [c.name, c.pelCount, c.pending.length])).toEqual([['c', 2, 2]]);
      expect((await b.streamInfoFull(s, 1))!.entries).toHaveLength(1);
      expect(await b.streamInfoFull(streamName())).toBeNull();
    });

    it('listStreams: name order, prefix, pages', async () => {
      const b = env.backend;
      const base = `${streamName()}-list-`;
      const names = ['b', 'a', 'c', 'é', 'd'].map((x) => base + x);
      for (const name of names) await b.append(name, { id: { kind: 'auto' }, fields: ['k', 'v'] });
      await b.createGroup(base + 'a', 'g', { startId: '$' });
      const first = await b.listStreams({ prefix: base, limit: 2 });
      expect(first.streams.map((x) => x.name)).toEqual([base + 'a', base + 'b']);
      expect(first.streams[0]).toMatchObject({ length: 1, groups: 1 });
      expect(first.nextCursor).toBe(base + 'b');
      const second = await b.listStreams({ prefix: base, limit: 2, cursor: first.nextCursor! });
      expect(second.streams.map((x) => x.name)).toEqual([base + 'c', base + 'd']);
      const third = await b.listStreams({ prefix: base, limit: 2, cursor: second.nextCursor! });
      expect(third).toEqual({ streams: [expect.objectContaining({ name: base + 'é' })], nextCursor: null });
    });
  });

  describe('groups', () => {
    it('createGroup answers its row; BUSYGROUP, NO_STREAM, MKSTREAM, ENTRIESREAD', async () => {
      const b = env.backend;
      const s = streamName();
      await seed(b, s, 3);
      expect(await b.createGroup(s, 'g', { startId: '$' })).toEqual({ name: 'g', consumers: 0, pending: 0, lastDeliveredId: id('3-0'), entriesRead: null, lag: 0n, policy: null });
      expect(await b.createGroup(s, 'h', { startId: id('1-0'), entriesRead: 1n })).toEqual({
        name: 'h',
        consumers: 0,
        pending: 0,
        lastDeliveredId: id('1-0'),
        entriesRead: 1n,
        lag: 2n,
        policy: null,
      });
      let e = await failure(b.createGroup(s, 'g', { startId: 0n }));
      expect([e.code, e.message]).toEqual(['BUSYGROUP', 'BUSYGROUP Consumer Group name already exists']);
      const missing = streamName();
      e = await failure(b.createGroup(missing, 'g', { startId: 0n }));
      expect(e.code).toBe('NO_STREAM');
      expect(e.message).toMatch(/^ERR The XGROUP subcommand requires the key to exist/);
      expect(await b.createGroup(missing, 'g', { startId: '$', mkStream: true })).toMatchObject({ name: 'g', lastDeliveredId: 0n, lag: 0n });
      expect(await b.length(missing)).toBe(0);
      expect(await b.streamExists(missing)).toBe(true);
      e = await failure(b.createGroup(s, 'x', { startId: 0n, entriesRead: -5n }));
      expect([e.code, e.message]).toEqual(['VALIDATION', 'ERR value for ENTRIESREAD must be positive or -1']);
      expect((await b.groups(s))!.map((g) => g.name)).toEqual(['g', 'h']);
      expect(await b.groups(streamName())).toBeNull();
      expect(await b.group(s, 'h')).toMatchObject({ name: 'h', lag: 2n });
      expect(await b.group(s, 'nope')).toBeNull();
    });

    it('setGroupId, destroyGroup, createConsumer, deleteConsumer', async () => {
      const b = env.backend;
      const s = streamName();
      await seed(b, s, 3);
      await b.createGroup(s, 'g', { startId: 0n });
      expect(await b.setGroupId(s, 'g', { lastId: id('2-0') })).toMatchObject({ name: 'g', lastDeliveredId: id('2-0') });
      expect(await b.setGroupId(s, 'g', { lastId: '$', entriesRead: 3n })).toMatchObject({ lastDeliveredId: id('3-0'), entriesRead: 3n, lag: 0n });
      let e = await failure(b.setGroupId(s, 'nope', { lastId: 0n }));
      expect([e.code, e.message]).toEqual(['NOGROUP', `NOGROUP No such consumer group 'nope' for key name '${s}'`]);
      e = await failure(b.setGroupId(streamName(), 'g', { lastId: 0n }));
      expect(e.code).toBe('NO_STREAM');
      expect(await b.createConsumer(s, 'g', 'c')).toBe(true);
      expect(await b.createConsumer(s, 'g', 'c')).toBe(false);
      e = await failure(b.createConsumer(s, 'nope', 'c'));
      expect(e.code).toBe('NOGROUP');
      expect(await b.deleteConsumer(s, 'g', 'ghost')).toBeNull();
      await b.setGroupId(s, 'g', { lastId: 0n });
      await b.readGroup({ group: 'g', consumer: 'c', streams: [{ key: s, from: '>' }], count: 2 }, { waitMs: 0 });
      expect(await b.deleteConsumer(s, 'g', 'c')).toBe(2);
      expect((await b.group(s, 'g'))!.pending).toBe(0);
      expect(await b.consumers(s, 'g')).toEqual([]);
      expect(await b.destroyGroup(s, 'g')).toBe(true);
      expect(await b.destroyGroup(s, 'g')).toBe(false);
      e = await failure(b.destroyGroup(streamName(), 'g'));
      expect(e.code).toBe('NO_STREAM');
    });

    it('ackAndReadGroup: acks first (per stream, counted), then reads; a missing group on any stream acks nothing', async () => {
      const b = env.backend;
      const s = streamName();
      const t2 = streamName();
      const ids = await seed(b, s, 3);
      const other = await seed(b, t2, 1);
      await b.createGroup(s, 'g', { startId: 0n });
      await b.createGroup(t2, 'g', { startId: 0n });
      await b.readGroup({ group: 'g', consumer: 'c', streams: [{ key: s, from: '>' }, { key: t2, from: '>' }], count: 1 }, { waitMs: 0 });
      const e = await failure(b.ackAndReadGroup([{ key: s, ids: [ids[0]!] }], { group: 'g', consumer: 'c', streams: [{ key: s, from: '>' }, { key: streamName(), from: '>' }] }, { waitMs: 0 }));
      expect(e.code).toBe('NO_STREAM');
      expect((await b.pendingSummary(s, 'g')).count).toBe(1);
      const one = await b.ackAndReadGroup([{ key: s, ids: [ids[0]!, ids[2]!] }], { group: 'g', consumer: 'c', streams: [{ key: s, from: '>' }], count: 1 }, { waitMs: 0 });
      expect(one).toEqual({ acknowledged: [1], results: [{ key: s, entries: [{ id: ids[1], fields: ['n', '2'], deliveryCount: 1 }] }] });
      const both = await b.ackAndReadGroup(
        [
          { key: s, ids: [ids[1]!] },
          { key: t2, ids: [other[0]!] },
        ],
        { group: 'g', consumer: 'c', streams: [{ key: s, from: 0n }, { key: t2, from: '>' }] },
        { waitMs: 0 },
      );
      expect(both).toEqual({ acknowledged: [1, 1], results: [{ key: s, entries: [] }] });
      expect((await b.pendingSummary(s, 'g')).count).toBe(0);
      expect((await b.pendingSummary(t2, 'g')).count).toBe(0);
    });

    it('readGroup: new entries with delivery count 1, history with counts after the delivery, NOACK, errors', async () => {
      const b = env.backend;
      const s = streamName();
      const ids = await seed(b, s, 4);
      await b.createGroup(s, 'g', { startId: 0n });
      const first = await b.readGroup({ group: 'g', consumer: 'c', streams: [{ key: s, from: '>' }], count: 2 }, { waitMs: 0 });
      expect(first).toEqual([
        {
          key: s,
          entries: [
            { id: ids[0], fields: ['n', '1'], deliveryCount: 1 },
            { id: ids[1], fields: ['n', '2'], deliveryCount: 1 },
          ],
        },
      ]);
      await b.deleteEntries(s, [ids[1]!]);
      const history = await b.readGroup({ group: 'g', consumer: 'c', streams: [{ key: s, from: 0n }] }, { waitMs: 0 });
      expect(history).toEqual([
        {
          key: s,
          entries: [
            { id: ids[0], fields: ['n', '1'], deliveryCount: 2 },
            { id: ids[1], fields: null },
          ],
        },
      ]);
      expect(await b.readGroup({ group: 'g', consumer: 'other', streams: [{ key: s, from: 0n }] }, { waitMs: 0 })).toEqual([{ key: s, entries: [] }]);
      const noAck = await b.readGroup({ group: 'g', consumer: 'c', streams: [{ key: s, from: '>' }], count: 1, noAck: true }, { waitMs: 0 });
      expect(noAck).toEqual([{ key: s, entries: [{ id: ids[2], fields: ['n', '3'] }] }]);
      expect((await b.pendingSummary(s, 'g')).count).toBe(2);
      await b.readGroup({ group: 'g', consumer: 'c', streams: [{ key: s, from: '>' }] }, { waitMs: 0 });
      expect(await b.readGroup({ group: 'g', consumer: 'c', streams: [{ key: s, from: '>' }] }, { waitMs: 0 })).toEqual([]);
      // The consumer exists after any read, even one that got nothing.
      await b.readGroup({ group: 'g', consumer: 'idle', streams: [{ key: s, from: '>' }] }, { waitMs: 0 });
      expect((await b.consumers(s, 'g')).map((c) => c.name)).toEqual(['c', 'idle', 'other']);
      let e = await failure(b.readGroup({ group: 'nope', consumer: 'c', streams: [{ key: s, from: '>' }] }, { waitMs: 0 }));
      expect([e.code, e.message]).toEqual(['NOGROUP', `NOGROUP No such key '${s}' or consumer group 'nope' in XREADGROUP with GROUP option`]);
      const missing = streamName();
      e = await failure(b.readGroup({ group: 'g', consumer: 'c', streams: [{ key: missing, from: '>' }] }, { waitMs: 0 }));
      expect([e.code, e.message]).toEqual(['NO_STREAM', `NOGROUP No such key '${missing}' or consumer group 'g' in XREADGROUP with GROUP option`]);
    });

    it('ack, pendingSummary, pendingEntries', async () => {
      const b = env.backend;
      const s = streamName();
      const ids = await seed(b, s, 4);
      await b.createGroup(s, 'g', { startId: 0n });
      await b.readGroup({ group: 'g', consumer: 'a', streams: [{ key: s, from: '>' }], count: 3 }, { waitMs: 0 });
      await b.readGroup({ group: 'g', consumer: 'b', streams: [{ key: s, from: '>' }] }, { waitMs: 0 });
      expect(await b.pendingSummary(s, 'g')).toEqual({ count: 4, minId: ids[0], maxId: ids[3], consumers: [{ name: 'a', count: 3 }, { name: 'b', count: 1 }] });
      const entries = await b.pendingEntries(s, 'g', { ...all, count: 10, consumer: 'a' });
      expect(entries.map((p) => [p.id, p.consumer, p.deliveryCount])).toEqual([
        [ids[0], 'a', 1],
        [ids[1], 'a', 1],
        [ids[2], 'a', 1],
      ]);
      expect(entries.every((p) => p.idleMs !== null && p.idleMs >= 0 && p.idleMs < 10_000)).toBe(true);
      expect((await b.pendingEntries(s, 'g', { start: { id: ids[0]!, exclusive: true }, end: all.end, count: 2 })).map((p) => p.id)).toEqual([ids[1], ids[2]]);
      expect(await b.pendingEntries(s, 'g', { ...all, count: 10, minIdleMs: 60_000 })).toEqual([]);
      expect(await b.pendingEntries(s, 'g', { ...all, count: 10, consumer: 'nobody' })).toEqual([]);
      expect(await b.ack(s, 'g', [ids[0]!, ids[0]!, ids[3]!, id('99-0')])).toBe(2);
      expect(await b.ack(s, 'nope', [ids[1]!])).toBeNull();
      expect(await b.ack(streamName(), 'g', [ids[1]!])).toBeNull();
      expect(await b.pendingSummary(s, 'g')).toEqual({ count: 2, minId: ids[1], maxId: ids[2], consumers: [{ name: 'a', count: 2 }] });
      let e = await failure(b.pendingSummary(s, 'nope'));
      expect([e.code, e.message]).toEqual(['NOGROUP', `NOGROUP No such key '${s}' or consumer group 'nope'`]);
      const missing = streamName();
      e = await failure(b.pendingEntries(missing, 'g', { ...all, count: 1 }));
      expect([e.code, e.message]).toEqual(['NO_STREAM', `NOGROUP No such key '${missing}' or consumer group 'g'`]);
      await b.ack(s, 'g', [ids[1]!, ids[2]!]);
      expect(await b.pendingSummary(s, 'g')).toEqual({ count: 0, minId: null, maxId: null, consumers: [] });
    });

    it('claim: counts after the claim, JUSTID, FORCE, deleted entries dropped', async () => {
      const b = env.backend;
      const s = streamName();
      const ids = await seed(b, s, 4);
      await b.createGroup(s, 'g', { startId: 0n });
      await b.readGroup({ group: 'g', consumer: 'a', streams: [{ key: s, from: '>' }], count: 3 }, { waitMs: 0 });
      await b.deleteEntries(s, [ids[2]!]);
      const claimed = await b.claim(s, 'g', { consumer: 'b', minIdleMs: 0, ids: [ids[0]!, ids[2]!] });
      expect(claimed).toEqual([{ id: ids[0], fields: ['n', '1'], deliveryCount: 2 }]);
      expect((await b.pendingSummary(s, 'g')).consumers).toEqual([{ name: 'a', count: 1 }, { name: 'b', count: 1 }]);
      expect(await b.claim(s, 'g', { consumer: 'b', minIdleMs: 60_000, ids: [ids[1]!] })).toEqual([]);
      expect(await b.claim(s, 'g', { consumer: 'b', minIdleMs: 0, ids: [ids[1]!], justId: true })).toEqual([{ id: ids[1], fields: ['n', '2'] }]);
      expect(await b.claim(s, 'g', { consumer: 'c', minIdleMs: 0, ids: [ids[3]!], force: true, retryCount: 7 })).toEqual([
        { id: ids[3], fields: ['n', '4'], deliveryCount: 7 },
      ]);
      expect((await b.pendingEntries(s, 'g', { ...all, count: 10 })).map((p) => [p.id, p.consumer, p.deliveryCount])).toEqual([
        [ids[0], 'b', 2],
        [ids[1], 'b', 1],
        [ids[3], 'c', 7],
      ]);
      const e = await failure(b.claim(streamName(), 'g', { consumer: 'b', minIdleMs: 0, ids: [ids[0]!] }));
      expect(e.code).toBe('NO_STREAM');
      expect((await failure(b.claim(s, 'nope', { consumer: 'b', minIdleMs: 0, ids: [ids[0]!] }))).code).toBe('NOGROUP');
    });

    it('autoclaim: cursor, counts, deleted IDs', async () => {
      const b = env.backend;
      const s = streamName();
      const ids = await seed(b, s, 5);
      await b.createGroup(s, 'g', { startId: 0n });
      await b.readGroup({ group: 'g', consumer: 'a', streams: [{ key: s, from: '>' }] }, { waitMs: 0 });
      await b.deleteEntries(s, [ids[1]!]);
      const page = await b.autoclaim(s, 'g', { consumer: 'b', minIdleMs: 0, start: 0n, count: 2 });
      expect(page).toEqual({
        nextStart: ids[2],
        entries: [{ id: ids[0], fields: ['n', '1'], deliveryCount: 2 }],
        deletedIds: [ids[1]],
      });
      const rest = await b.autoclaim(s, 'g', { consumer: 'b', minIdleMs: 0, start: page.nextStart, justId: true });
      expect(rest).toEqual({
        nextStart: 0n,
        entries: [ids[2], ids[3], ids[4]].map((x, i) => ({ id: x, fields: ['n', String(i + 3)], deliveryCount: 1 })),
        deletedIds: [],
      });
      expect((await b.pendingSummary(s, 'g')).consumers).toEqual([{ name: 'b', count: 4 }]);
      expect((await failure(b.autoclaim(s, 'nope', { consumer: 'b', minIdleMs: 0, start: 0n }))).code).toBe('NOGROUP');
    });

    it('large requests: a batch of 9,000 messages, a claim and an ack of 9,000 IDs', async () => {
      const b = env.backend;
      const s = streamName();
      const n = 9_000;
      const ids = (await b.appendBatch(s, Array.from({ length: n }, (_, i) => ({ id: { kind: 'auto' as const }, fields: ['i', String(i)] })), {}))!;
      expect(ids).toHaveLength(n);
      await b.createGroup(s, 'g', { startId: 0n });
      await b.readGroup({ group: 'g', consumer: 'a', streams: [{ key: s, from: '>' }] }, { waitMs: 0 });
      const claimed = await b.claim(s, 'g', { consumer: 'b', minIdleMs: 0, ids });
      expect(claimed.map((c) => c.id)).toEqual(ids);
      expect(claimed.every((c) => c.deliveryCount === 2)).toBe(true);
      expect(await b.ack(s, 'g', ids)).toBe(n);
      expect((await b.pendingSummary(s, 'g')).count).toBe(0);
    });

    it('consumers: pending and idle', async () => {
      const b = env.backend;
      const s = streamName();
      await seed(b, s, 2);
      await b.createGroup(s, 'g', { startId: 0n });
      await b.readGroup({ group: 'g', consumer: 'z', streams: [{ key: s, from: '>' }], count: 1 }, { waitMs: 0 });
      await b.createConsumer(s, 'g', 'a');
      const consumers = await b.consumers(s, 'g');
      expect(consumers.map((c) => [c.name, c.pending])).toEqual([
        ['a', 0],
        ['z', 1],
      ]);
      expect(consumers.every((c) => c.idleMs >= 0 && c.idleMs < 10_000)).toBe(true);
      let e = await failure(b.consumers(s, 'nope'));
      expect([e.code, e.message]).toEqual(['NOGROUP', `NOGROUP No such consumer group 'nope' for key name '${s}'`]);
      e = await failure(b.consumers(streamName(), 'g'));
      expect([e.code, e.message]).toEqual(['NO_STREAM', 'ERR no such key']);
      expect(env.backend.isReady()).toBe(true);
    });
  });
});
