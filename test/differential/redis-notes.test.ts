/**
 * One scenario per bullet of /work/shared/REDIS-NOTES.md, run on
 * redis-server and on our core with the differential comparator. Each also
 * pins the fact on Redis itself (the notes are observations, Redis is the
 * judge), and the 7.2+ consumer rules, which Redis 7.0 cannot show, are
 * checked on our core alone.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { redisServerAvailable } from '../helpers/redis-server.js';
import { execute, type Reply } from './adapter.js';
import { argvText, compareOutcomes, loadCoreFactory, runBoth, show, useOracle, type CoreFactory, type Outcome } from './harness.js';

const U64_MAX = '18446744073709551615';
const MAX_ID = `${U64_MAX}-${U64_MAX}`;

const words = (line: string) => line.trim().split(/\s+/);

describe.skipIf(!redisServerAvailable())('REDIS-NOTES.md, against redis-server', () => {
  const oracle = useOracle();

  /**
   * Runs the lines on a flushed Redis and a new core; answers Redis's
   * outcomes (as reply values, or Error for error replies) and fails on the
   * first mismatch.
   */
  async function scenario(lines: string[]): Promise<(Reply | Error)[]> {
    await oracle.redis.call('FLUSHALL');
    const handle = oracle.makeCore();
    const replies: (Reply | Error)[] = [];
    const mismatches: string[] = [];
    for (const line of lines) {
      const argv = words(line);
      const [r, o] = await runBoth(oracle.redis, handle, argv);
      const diff = compareOutcomes(argv, r, o);
      if (diff) mismatches.push(`${argvText(argv)}\n  redis: ${show(r)}\n  ours:  ${show(o)}\n  ${diff}`);
      replies.push(r.kind === 'reply' ? r.value : new Error((r as Exclude<Outcome, { kind: 'reply' }>).message));
    }
    expect(mismatches, mismatches.join('\n')).toEqual([]);
    return replies;
  }

  const errorOf = (reply: Reply | Error | undefined) => (reply instanceof Error ? reply.message : `not an error: ${JSON.stringify(reply)}`);
  const field = (flat: Reply | Error | undefined, name: string) => {
    const list = flat as Reply[];
    return list[list.indexOf(name) + 1];
  };

  describe('IDs', () => {
    it('`*` uses max(now, top ms), rolls a full sequence into the next ms, and max-max exhausts every XADD', async () => {
      const r = await scenario([
        'XADD k 99999999999999-5 f v',
        'XADD k * f v',
        `XADD k 99999999999999-${U64_MAX} f v`,
        'XADD k * f v',
        `XADD k ${MAX_ID} f v`,
        'XADD k * f v',
        `XADD k ${U64_MAX}-* f v`,
        'XADD k 1-1 f v',
        'XADD k NOMKSTREAM * f v',
      ]);
      expect(r[1]).toBe('99999999999999-6');
      expect(r[3]).toBe('100000000000000-0');
      for (const i of [5, 6, 7, 8]) expect(errorOf(r[i])).toMatch(/exhausted the last possible ID/);
    });

    it('`*` on a stream whose top is in the past uses the clock', async () => {
      const r = await scenario(['XADD k 5-5 f v', 'XADD k * f v', 'XADD k * f v', 'XADD k * f v']);
      const ms = Number(String(r[1]).split('-')[0]);
      expect(Math.abs(ms - Date.now())).toBeLessThan(10_000);
    });

    it('`<ms>-*` fails when that ms is at sequence 2^64-1', async () => {
      const r = await scenario([`XADD k 5-${U64_MAX} f v`, 'XADD k 5-* f v', 'XADD k 6-* f v']);
      expect(errorOf(r[1])).toMatch(/^ERR (Elements are too large to be stored|The ID specified in XADD is equal or smaller)/);
      expect(r[2]).toBe('6-0');
    });

    it('an explicit ID must exceed last-generated-id, deleted and trimmed entries included; 0-0 is always refused', async () => {
      const r = await scenario([
        'XADD k 0-0 f v',
        'XADD k 0 f v',
        'XINFO STREAM k',
        'XADD k 0-* f v',
        'XADD k 5-1 f v',
        'XDEL k 5-1',
        'XADD k 5-1 f v',
        'XADD k 5-2 f v',
        'XTRIM k MAXLEN 0',
        'XADD k 5-2 f v',
        'XADD k 5-* f v',
        'XADD k 5 f v',
      ]);
      expect(errorOf(r[0])).toBe('ERR The ID specified in XADD must be greater than 0-0');
      expect(errorOf(r[1])).toBe('ERR The ID specified in XADD must be greater than 0-0');
      expect(errorOf(r[2])).toBe('ERR no such key');
      expect(r[3]).toBe('0-1');
      expect(errorOf(r[6])).toMatch(/equal or smaller/);
      expect(errorOf(r[9])).toMatch(/equal or smaller/);
      expect(r[10]).toBe('5-3');
      expect(errorOf(r[11])).toMatch(/equal or smaller/);
    });

    it('incomplete IDs: a range start gets seq 0, an end seq max', async () => {
      const r = await scenario([
        'XADD k 1-0 f v',
        'XADD k 1-5 f v',
        'XADD k 2-0 f v',
        'XADD k 2-7 f v',
        'XADD k 3-0 f v',
        'XRANGE k 1 2',
        'XRANGE k (1 (3',
        'XREVRANGE k 2 1 COUNT 3',
        'XREVRANGE k (3 (1',
        'XGROUP CREATE k g 0',
        'XREADGROUP GROUP g c STREAMS k >',
        'XPENDING k g 2 2 10',
        'XPENDING k g (1 (2 10',
        'XREAD STREAMS k 2',
        'XDEL k 2',
        'XRANGE k - +',
      ]);
      expect((r[5] as Reply[]).map((e) => (e as Reply[])[0])).toEqual(['1-0', '1-5', '2-0', '2-7']);
      expect((r[6] as Reply[]).map((e) => (e as Reply[])[0])).toEqual(['1-5', '2-0', '2-7', '3-0']);
      expect(r[14]).toBe(1);
    });

    it('exclusive bounds at the ends of the ID space, and "(-" / "(+"', async () => {
      const r = await scenario([
        'XADD k 1-1 f v',
        'XRANGE k (0-0 +',
        `XRANGE k (${MAX_ID} +`,
        'XRANGE k - (0-0',
        'XRANGE k - (0',
        'XRANGE k (- +',
        'XRANGE k - (+',
        'XREVRANGE k (+ -',
        'XREVRANGE k + (-',
      ]);
      expect(errorOf(r[2])).toBe('ERR invalid start ID for the interval');
      expect(errorOf(r[3])).toBe('ERR invalid end ID for the interval');
      for (const i of [5, 6, 7, 8]) expect(errorOf(r[i])).toBe('ERR Invalid stream ID specified as stream command argument');
    });
  });

  describe('reads', () => {
    it('XRANGE COUNT 0 answers nil (an empty array on a missing key)', async () => {
      const r = await scenario(['XRANGE k - + COUNT 0', 'XADD k 1-1 f v', 'XRANGE k - + COUNT 0', 'XREVRANGE k + - COUNT -1']);
      expect(r[0]).toEqual([]);
      expect(r[2]).toBeNull();
      expect(r[3]).toBeNull();
    });

    // Redis bumps the count and time of the entries it returns with their fields; a deleted one ([id, nil]) keeps both.
    it('a history read serves only this consumer, ignores NOACK, gives deleted entries as [id, nil] and bumps count and time', async () => {
      const r = await scenario([
        'XADD k 1-1 f v',
        'XADD k 2-1 f v',
        'XADD k 3-1 f v',
        'XGROUP CREATE k g 0',
        'XREADGROUP GROUP g alice COUNT 2 STREAMS k >',
        'XREADGROUP GROUP g bob STREAMS k >',
        'XCLAIM k g alice 0 1-1 2-1 IDLE 5000000000 JUSTID',
        'XPENDING k g - + 10',
        'XDEL k 2-1',
        'XREADGROUP GROUP g alice NOACK STREAMS k 0',
        'XPENDING k g - + 10',
        'XREADGROUP GROUP g bob STREAMS k 0',
        'XREADGROUP GROUP g alice COUNT 1 STREAMS k 1-1',
        'XPENDING k g - + 10 alice',
        'XINFO STREAM k FULL',
      ]);
      expect(r[9]).toEqual([['k', [['1-1', ['f', 'v']], ['2-1', null]]]]);
      const pending = r[10] as [string, string, number, number][];
      expect(pending.map(([id, c, , n]) => [id, c, n])).toEqual([['1-1', 'alice', 2], ['2-1', 'alice', 1], ['3-1', 'bob', 1]]);
      expect(pending[0]![2]).toBeLessThan(1_000);
      expect(pending[1]![2]).toBeGreaterThan(4_000_000_000);
      expect(r[11]).toEqual([['k', [['3-1', ['f', 'v']]]]]);
      expect(r[12]).toEqual([['k', [['2-1', null]]]]);
    });

    it('NOACK adds nothing to the PEL but advances last-delivered-id and entries-read', async () => {
      const r = await scenario([
        'XADD k 1-1 f v',
        'XADD k 2-1 f v',
        'XGROUP CREATE k g 0',
        'XREADGROUP GROUP g c NOACK STREAMS k >',
        'XINFO GROUPS k',
        'XPENDING k g',
        'XREADGROUP GROUP g c STREAMS k >',
      ]);
      const group = (r[4] as Reply[])[0]!;
      expect([field(group, 'pending'), field(group, 'last-delivered-id'), field(group, 'entries-read'), field(group, 'lag')]).toEqual([0, '2-1', 2, 0]);
      expect(r[5]).toEqual([0, null, null, null]);
      expect(r[6]).toBeNull();
    });

    it('a `>` read of an entry already pending (after SETID back) reassigns it with delivery count 1', async () => {
      const r = await scenario([
        'XADD k 1-1 f v',
        'XADD k 2-1 f v',
        'XGROUP CREATE k g 0',
        'XREADGROUP GROUP g alice STREAMS k >',
        'XREADGROUP GROUP g alice STREAMS k 0',
        'XGROUP SETID k g 0',
        'XREADGROUP GROUP g bob COUNT 1 STREAMS k >',
        'XPENDING k g - + 10',
        'XINFO CONSUMERS k g',
        'XINFO GROUPS k',
      ]);
      expect((r[7] as Reply[]).map((p) => [(p as Reply[])[0], (p as Reply[])[1], (p as Reply[])[3]])).toEqual([
        ['1-1', 'bob', 1],
        ['2-1', 'alice', 2],
      ]);
    });

    it('a multi-stream XREADGROUP fails whole on a missing group; history streams always answer, empty `>` ones are omitted', async () => {
      const r = await scenario([
        'XADD a 1-1 f v',
        'XADD b 1-1 f v',
        'XGROUP CREATE a g 0',
        'XREADGROUP GROUP g c STREAMS a b > >',
        'XINFO GROUPS a',
        'XPENDING a g',
        'XGROUP CREATE b g $',
        'XREADGROUP GROUP g c STREAMS a b > >',
        'XREADGROUP GROUP g c STREAMS a b 0 0',
        'XREADGROUP GROUP g c STREAMS b a 0 >',
        'XINFO CONSUMERS b g',
      ]);
      expect(errorOf(r[3])).toBe("NOGROUP No such key 'b' or consumer group 'g' in XREADGROUP with GROUP option");
      expect(field((r[4] as Reply[])[0], 'last-delivered-id')).toBe('0-0');
      expect(r[7]).toEqual([['a', [['1-1', ['f', 'v']]]]]);
      expect(r[8]).toEqual([['a', [['1-1', ['f', 'v']]]], ['b', []]]);
      expect(r[9]).toEqual([['b', []]]);
    });
  });

  describe('groups, consumers, PEL', () => {
    it('DELCONSUMER answers the pending count and drops those entries for good', async () => {
      const r = await scenario([
        'XADD k 1-1 f v',
        'XADD k 2-1 f v',
        'XGROUP CREATE k g 0',
        'XREADGROUP GROUP g c STREAMS k >',
        'XGROUP DELCONSUMER k g c',
        'XGROUP DELCONSUMER k g c',
        'XPENDING k g',
        'XREADGROUP GROUP g d STREAMS k >',
        'XAUTOCLAIM k g d 0 0',
        'XINFO GROUPS k',
      ]);
      expect(r[4]).toBe(2);
      expect(r[5]).toBe(0);
      expect(r[6]).toEqual([0, null, null, null]);
      expect(r[7]).toBeNull();
      expect(r[8]).toEqual(['0-0', [], []]);
    });

    it('the XPENDING summary omits consumers with nothing pending; XINFO counts them', async () => {
      const r = await scenario([
        'XADD k 1-1 f v',
        'XGROUP CREATE k g 0',
        'XREADGROUP GROUP g c STREAMS k >',
        'XGROUP CREATECONSUMER k g idle',
        'XPENDING k g',
        'XINFO GROUPS k',
        'XINFO CONSUMERS k g',
      ]);
      expect(r[4]).toEqual([1, '1-1', '1-1', [['c', '1']]]);
      expect(field((r[5] as Reply[])[0], 'consumers')).toBe(2);
    });

    it('XCLAIM FORCE: count 2 without JUSTID, 1 with; never for a missing entry; JUSTID never bumps', async () => {
      const r = await scenario([
        'XADD k 1-1 f v',
        'XADD k 2-1 f v',
        'XGROUP CREATE k g $',
        'XCLAIM k g c 0 1-1 FORCE',
        'XCLAIM k g c 0 2-1 FORCE JUSTID',
        'XCLAIM k g c 0 9-9 FORCE',
        'XPENDING k g - + 10',
        'XCLAIM k g d 0 2-1 JUSTID',
        'XCLAIM k g d 0 1-1 FORCE',
        'XPENDING k g - + 10',
        'XINFO GROUPS k',
      ]);
      expect((r[6] as Reply[]).map((p) => [(p as Reply[])[0], (p as Reply[])[3]])).toEqual([['1-1', 2], ['2-1', 1]]);
      expect((r[9] as Reply[]).map((p) => [(p as Reply[])[0], (p as Reply[])[1], (p as Reply[])[3]])).toEqual([
        ['1-1', 'd', 3],
        ['2-1', 'd', 1],
      ]);
    });

    it('XCLAIM drops deleted pending IDs silently; XAUTOCLAIM reports them, counting them against COUNT', async () => {
      const r = await scenario([
        'XADD k 1-1 f v',
        'XADD k 2-1 f v',
        'XADD k 3-1 f v',
        'XADD k 4-1 f v',
        'XADD k 5-1 f v',
        'XGROUP CREATE k g 0',
        'XREADGROUP GROUP g c STREAMS k >',
        'XDEL k 1-1 2-1',
        'XCLAIM k g d 0 1-1 3-1',
        'XPENDING k g - + 10',
        'XAUTOCLAIM k g e 0 0 COUNT 1',
        'XAUTOCLAIM k g e 0 0 COUNT 10 JUSTID',
        'XPENDING k g',
      ]);
      expect(r[8]).toEqual([['3-1', ['f', 'v']]]);
      expect((r[9] as Reply[]).map((p) => (p as Reply[])[0])).toEqual(['2-1', '3-1', '4-1', '5-1']);
      expect(r[10]).toEqual(['3-1', [], ['2-1']]);
      expect(r[11]).toEqual(['0-0', ['3-1', '4-1', '5-1'], []]);
    });

    it('XAUTOCLAIM scans at most COUNT x 10 PEL entries', async () => {
      const adds = Array.from({ length: 25 }, (_, i) => `XADD k ${i + 1}-1 f v`);
      const r = await scenario([
        ...adds,
        'XGROUP CREATE k g 0',
        'XREADGROUP GROUP g c STREAMS k >',
        'XAUTOCLAIM k g d 3600000 0 COUNT 2',
        'XAUTOCLAIM k g d 3600000 21-1 COUNT 2',
        'XCLAIM k g c 0 24-1 IDLE 5000000000 JUSTID',
        'XAUTOCLAIM k g d 3600000 0 COUNT 3',
        'XAUTOCLAIM k g d 3600000 0 COUNT 1',
      ]);
      expect(r[27]).toEqual(['21-1', [], []]);
      expect(r[28]).toEqual(['0-0', [], []]);
      expect(r[30]).toEqual(['0-0', [['24-1', ['f', 'v']]], []]);
    });

    it('XACK: 0 for a missing key or group, even with a malformed ID; with the group a malformed ID fails the whole call', async () => {
      const r = await scenario([
        'XACK nokey g 1-1',
        'XADD k 1-1 f v',
        'XGROUP CREATE k g 0',
        'XREADGROUP GROUP g c STREAMS k >',
        'XACK k nogroup 1-1',
        'XACK k nogroup bad',
        'XACK k g 1-1 bad',
        'XPENDING k g',
        'XACK k g 1-1 1-1 9-9',
      ]);
      expect([r[0], r[4], r[5]]).toEqual([0, 0, 0]);
      expect(errorOf(r[6])).toBe('ERR Invalid stream ID specified as stream command argument');
      expect((r[7] as Reply[])[0]).toBe(1);
      expect(r[8]).toBe(1);
    });
  });

  describe('lag and entries-read', () => {
    it('lag is null when a deleted entry lies after last-delivered-id', async () => {
      const r = await scenario([
        'XADD k 1-1 f v',
        'XADD k 2-1 f v',
        'XADD k 3-1 f v',
        'XGROUP CREATE k g 0',
        'XREADGROUP GROUP g c COUNT 1 STREAMS k >',
        'XINFO GROUPS k',
        'XDEL k 3-1',
        'XINFO GROUPS k',
        'XREADGROUP GROUP g c STREAMS k >',
        'XINFO GROUPS k',
      ]);
      expect(field((r[5] as Reply[])[0], 'lag')).toBe(2);
      expect(field((r[7] as Reply[])[0], 'lag')).toBeNull();
    });

    it('entries-read is null after SETID without ENTRIESREAD and for groups created at $ or a middle ID', async () => {
      const r = await scenario([
        'XADD k 1-1 f v',
        'XADD k 2-1 f v',
        'XADD k 3-1 f v',
        'XGROUP CREATE k at-end $',
        'XGROUP CREATE k middle 2-1',
        'XGROUP CREATE k start 0',
        'XGROUP CREATE k told 0 ENTRIESREAD 1',
        'XGROUP CREATE k ahead 0 ENTRIESREAD 7',
        'XINFO GROUPS k',
        'XGROUP SETID k told 2-1',
        'XGROUP SETID k start 3-1 ENTRIESREAD 3',
        'XGROUP SETID k middle $ ENTRIESREAD 0',
        'XINFO GROUPS k',
        'XREADGROUP GROUP at-end c STREAMS k >',
        'XADD k 4-1 f v',
        'XINFO GROUPS k',
        'XREADGROUP GROUP middle c STREAMS k >',
        'XINFO GROUPS k',
      ]);
      const row = (reply: Reply | Error | undefined, name: string) =>
        (reply as Reply[]).find((g) => field(g, 'name') === name);
      expect(field(row(r[8], 'at-end'), 'entries-read')).toBeNull();
      expect(field(row(r[8], 'middle'), 'entries-read')).toBeNull();
      expect(field(row(r[8], 'ahead'), 'lag')).toBe(-4);
      expect(field(row(r[12], 'told'), 'entries-read')).toBeNull();
    });

    it('XCLAIM LASTID moves last-delivered-id, not entries-read', async () => {
      const r = await scenario([
        'XADD k 1-1 f v',
        'XADD k 2-1 f v',
        'XADD k 3-1 f v',
        'XGROUP CREATE k g 0',
        'XREADGROUP GROUP g c COUNT 1 STREAMS k >',
        'XCLAIM k g c 0 1-1 LASTID 2-1',
        'XINFO GROUPS k',
        'XCLAIM k g c 0 1-1 LASTID 1-0',
        'XINFO GROUPS k',
        'XREADGROUP GROUP g c STREAMS k >',
        'XINFO GROUPS k',
      ]);
      const group = (r[6] as Reply[])[0];
      expect([field(group, 'last-delivered-id'), field(group, 'entries-read')]).toEqual(['2-1', 1]);
    });

    it('XDEL of entries the group has not reached leaves lag above 0 once it has read everything (7.0)', async () => {
      const r = await scenario([
        'XADD k 1-1 f v',
        'XADD k 2-1 f v',
        'XADD k 3-1 f v',
        'XGROUP CREATE k g 0',
        'XREADGROUP GROUP g c COUNT 1 STREAMS k >',
        'XDEL k 2-1',
        'XREADGROUP GROUP g c STREAMS k >',
        'XINFO GROUPS k',
        'XADD k 4-1 f v',
        'XINFO GROUPS k',
      ]);
      expect(field((r[7] as Reply[])[0], 'lag')).toBe(1);
    });
  });

  describe('trimming and XSETID', () => {
    it('trimming never changes max-deleted-entry-id; MAXLEN 0 keeps last-generated-id and entries-added', async () => {
      const r = await scenario([
        'XADD k 1-1 f v',
        'XADD k 2-1 f v',
        'XADD k 3-1 f v',
        'XDEL k 1-1',
        'XTRIM k MAXLEN 1',
        'XINFO STREAM k',
        'XADD k MAXLEN 0 4-1 f v',
        'XINFO STREAM k',
        'XADD k 4-1 f v',
      ]);
      expect(field(r[5], 'max-deleted-entry-id')).toBe('1-1');
      expect([field(r[7], 'length'), field(r[7], 'last-generated-id'), field(r[7], 'entries-added'), field(r[7], 'max-deleted-entry-id')]).toEqual([
        0, '4-1', 4, '1-1',
      ]);
      expect(errorOf(r[8])).toMatch(/equal or smaller/);
    });

    it('on an empty stream XSETID checks nothing and can move last-generated-id backwards', async () => {
      const r = await scenario([
        'XADD k 5-1 f v',
        'XDEL k 5-1',
        'XSETID k 1-1',
        'XINFO STREAM k',
        'XADD k 2-1 f v',
        'XTRIM k MAXLEN 0',
        'XSETID k 0-0 ENTRIESADDED 0',
        'XINFO STREAM k',
      ]);
      expect(r[2]).toBe('OK');
      expect(field(r[3], 'last-generated-id')).toBe('1-1');
      expect(r[4]).toBe('2-1');
      expect(r[6]).toBe('OK');
    });

    it('on a non-empty stream XSETID checks the top entry, not max-deleted-entry-id (7.0)', async () => {
      const r = await scenario(['XADD k 1-1 f v', 'XADD k 2-1 f v', 'XDEL k 2-1', 'XSETID k 1-1', 'XINFO STREAM k', 'XSETID k 0-5']);
      expect(r[3]).toBe('OK');
      expect(errorOf(r[5])).toBe('ERR The ID specified in XSETID is smaller than the target stream top item');
    });
  });
});

/**
 * ioredis parses integer replies into JS numbers, inexactly from 2^53 on, so
 * the random test keeps counters small. Here the 64-bit counters are compared
 * exactly: Redis through a stringNumbers client, ours straight from the core.
 */
describe.skipIf(!redisServerAvailable())('64-bit counters, exactly', () => {
  const oracle = useOracle({ stringNumbers: true });

  it('entries-added, entries-read and lag near 2^63 agree digit for digit', async () => {
    const lines = [
      'XADD k 1-1 f v',
      'XADD k 2-1 f v',
      'XGROUP CREATE k huge 0 ENTRIESREAD 9223372036854775807',
      'XGROUP CREATE k safe 0 ENTRIESREAD 9007199254740993',
      'XGROUP CREATE k small 0',
      'XSETID k 3-0 ENTRIESADDED 9223372036854775806',
      'XREADGROUP GROUP small c COUNT 1 STREAMS k >',
      'XADD k 4-1 f v',
      'XREADGROUP GROUP safe c STREAMS k >',
    ];
    await oracle.redis.call('FLUSHALL');
    const { core } = oracle.makeCore();
    for (const line of lines) {
      const argv = words(line);
      await oracle.redis.call(argv[0]!, ...argv.slice(1));
      execute(core, argv);
    }
    const redisGroups = ((await oracle.redis.call('XINFO', 'GROUPS', 'k')) as string[][]).map((g) => [g[1], g[9], g[11]]);
    const ourGroups = core.xinfoGroups('k')!.map((g) => [g.name, g.entriesRead?.toString() ?? null, g.lag?.toString() ?? null]);
    expect(ourGroups).toEqual(redisGroups);
    const redisStream = (await oracle.redis.call('XINFO', 'STREAM', 'k')) as string[];
    expect(core.xinfoStream('k')!.entriesAdded.toString()).toBe(redisStream[redisStream.indexOf('entries-added') + 1]);
  });
});

/** The 7.2+ consumer rules: Redis 7.0 cannot be the oracle here, so these check our core alone. */
describe('7.2+ consumer rules (our core alone)', () => {
  let makeCore: CoreFactory;
  beforeAll(async () => {
    makeCore = await loadCoreFactory();
  });

  function run(lines: string[], clock?: { now: number }) {
    const { core, pin } = makeCore();
    return lines.map((line) => {
      if (clock) pin(clock.now);
      try {
        return execute(core, words(line));
      } catch (error) {
        return error as Error;
      }
    });
  }

  it('a successful XREADGROUP, XCLAIM or XAUTOCLAIM creates the consumer even when it gets nothing; errors create nothing', () => {
    const r = run([
      'XADD k 1-1 f v',
      'XGROUP CREATE k g $',
      'XREADGROUP GROUP g reader STREAMS k >',
      'XCLAIM k g claimer 0 9-9',
      'XAUTOCLAIM k g autoclaimer 0 0',
      'XADD other 1-1 f v',
      'XREADGROUP GROUP g failed STREAMS k other > >',
      'XCLAIM k nogroup failed 0 1-1',
      'XINFO CONSUMERS k g',
    ]);
    expect(r[2]).toBeNull();
    expect(r[6]).toBeInstanceOf(Error);
    expect((r[8] as Reply[][]).map((c) => [c[1], c[3], c[7]])).toEqual([
      ['autoclaimer', 0, -1],
      ['claimer', 0, -1],
      ['reader', 0, -1],
    ]);
  });

  it('idle counts from the last attempt, inactive from the last delivery or claim; XPENDING and XINFO touch neither', () => {
    const clock = { now: 1_000_000 };
    const { core, pin } = makeCore();
    const at = (now: number, line: string) => {
      clock.now = now;
      pin(now);
      return execute(core, words(line));
    };
    at(1_000_000, 'XADD k 1-1 f v');
    at(1_000_000, 'XGROUP CREATE k g 0');
    at(1_000_000, 'XREADGROUP GROUP g c STREAMS k >');
    at(1_005_000, 'XREADGROUP GROUP g c STREAMS k >');
    at(1_005_000, 'XGROUP CREATECONSUMER k g never');
    at(1_008_000, 'XPENDING k g - + 10');
    at(1_008_000, 'XINFO STREAM k FULL');
    expect(at(1_009_000, 'XINFO CONSUMERS k g')).toEqual([
      ['name', 'c', 'pending', 1, 'idle', 4_000, 'inactive', 9_000],
      ['name', 'never', 'pending', 0, 'idle', 4_000, 'inactive', -1],
    ]);
  });
});
