/**
 * Tests of the differential machinery itself: the redis-server helper, the
 * generator, the comparator, and the adapter's reproduction of Redis's
 * argument errors (which the random test only samples).
 */
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { redisServerAvailable, startRedisServer } from '../helpers/redis-server.js';
import { CommandGenerator } from './generator.js';
import {
  argvText,
  callRedis,
  compareOutcomes,
  difference,
  normalise,
  redisClockAt,
  runBoth,
  show,
  useOracle,
} from './harness.js';

describe('comparator', () => {
  it('takes Redis clock from the TIME bracket, or from a clock-made reply when a tick falls inside', () => {
    const ok = (value: string) => ({ kind: 'reply' as const, value });
    expect(redisClockAt(100, 100, ok('5-0'))).toBe(100);
    expect(redisClockAt(100, 101, ok('101-0'))).toBe(101);
    expect(redisClockAt(100, 101, ok('100-0'))).toBe(100);
    // From the stream's top (seq > 0, or an ms outside the bracket): any reading up to Redis's now will do.
    expect(redisClockAt(100, 101, ok('101-3'))).toBe(100);
    expect(redisClockAt(100, 101, ok('99999-0'))).toBe(100);
    expect(redisClockAt(100, 101, { kind: 'error', message: 'ERR x' })).toBe(100);
  });

  it('compares PEL times within a tolerance and everything else exactly', () => {
    const argv = ['XPENDING', 'k', 'g', '-', '+', '10'];
    const issues: string[] = [];
    const a = normalise(argv, [['1-1', 'c', 10, 1]], 'redis', issues);
    expect(difference(a, normalise(argv, [['1-1', 'c', 400, 1]], 'ours', issues))).toBeNull();
    expect(difference(a, normalise(argv, [['1-1', 'c', 5_000_000_000, 1]], 'ours', issues))).toMatch(/time/);
    expect(difference(a, normalise(argv, [['1-1', 'c', 10, 2]], 'ours', issues))).toMatch(/\[0\]\[3\]/);
    expect(difference(a, normalise(argv, [['1-1', 'd', 10, 1]], 'ours', issues))).toMatch(/\[0\]\[1\]/);
    expect(issues).toEqual([]);
  });

  it('drops the 7.2-only consumer fields from our replies after checking them', () => {
    const argv = ['XINFO', 'CONSUMERS', 'k', 'g'];
    const redisReply = [['name', 'c', 'pending', 0, 'idle', 5]];
    expect(compareOutcomes(argv, { kind: 'reply', value: redisReply }, { kind: 'reply', value: [['name', 'c', 'pending', 0, 'idle', 6, 'inactive', -1]] })).toBeNull();
    expect(compareOutcomes(argv, { kind: 'reply', value: redisReply }, { kind: 'reply', value: [['name', 'c', 'pending', 0, 'idle', 6, 'inactive', 2]] })).toMatch(/invariant/);
    expect(compareOutcomes(argv, { kind: 'reply', value: redisReply }, { kind: 'reply', value: [['name', 'c', 'pending', 1, 'idle', 6, 'inactive', 9]] })).toMatch(/\[0\]\[3\]/);
  });

  it('compares errors by their whole message', () => {
    const argv = ['XADD', 'k', '0-0', 'f', 'v'];
    const err = (message: string) => ({ kind: 'error' as const, message });
    expect(compareOutcomes(argv, err('ERR a b'), err('ERR a b'))).toBeNull();
    expect(compareOutcomes(argv, err('ERR a b'), err('ERR a c'))).toMatch(/message/);
    expect(compareOutcomes(argv, err('ERR a b'), err('NOGROUP a b'))).toMatch(/kind/);
    expect(compareOutcomes(argv, err('ERR a b'), { kind: 'reply', value: 'OK' })).toMatch(/one side failed/);
    expect(compareOutcomes(argv, { kind: 'reply', value: 'OK' }, { kind: 'crash', message: 'TypeError' })).toMatch(/crashed/);
  });
});

describe('generator', () => {
  it('is deterministic for a seed and varies across seeds', () => {
    const take = (seed: number) => {
      const g = new CommandGenerator(seed);
      return Array.from({ length: 300 }, () => argvText(g.next()));
    };
    expect(take(42)).toEqual(take(42));
    expect(take(42)).not.toEqual(take(43));
  });
});

describe.skipIf(!redisServerAvailable())('against redis-server', () => {
  const oracle = useOracle();

  it('starts a private redis-server that answers, and removes it on stop', async () => {
    expect(await oracle.redis.call('PING')).toBe('PONG');
    expect(oracle.server.version).toMatch(/^\d+\.\d+\.\d+$/);
    const config = (await oracle.redis.call('CONFIG', 'GET', 'dir')) as string[];
    const dir = config[1]!;
    expect(existsSync(dir)).toBe(true);
    const other = await startRedisServer();
    expect(other.port).not.toBe(oracle.server.port);
    await other.stop();
    await other.stop();
  });

  it('generates a useful mix: most commands succeed on Redis, errors of many kinds occur', async () => {
    const ok = new Map<string, number>();
    const errors = new Set<string>();
    for (const seed of [1, 2, 3]) {
      await oracle.redis.call('FLUSHALL');
      const g = new CommandGenerator(seed);
      for (let i = 0; i < 600; i++) {
        const argv = g.next();
        const outcome = await callRedis(oracle.redis, argv);
        g.observe(argv, outcome.kind === 'reply' ? outcome.value : new Error('error'));
        const name = argv[0] === 'XGROUP' || argv[0] === 'XINFO' ? `${argv[0]} ${argv[1]}` : argv[0]!;
        if (outcome.kind === 'reply') ok.set(name, (ok.get(name) ?? 0) + 1);
        else if (outcome.kind === 'error') errors.add(outcome.message.split(' ').slice(0, 6).join(' '));
      }
    }
    for (const name of ['XADD', 'XRANGE', 'XREVRANGE', 'XDEL', 'XTRIM', 'XREAD', 'XSETID', 'XGROUP CREATE', 'XGROUP SETID', 'XGROUP DESTROY', 'XGROUP CREATECONSUMER', 'XGROUP DELCONSUMER', 'XREADGROUP', 'XACK', 'XPENDING', 'XCLAIM', 'XAUTOCLAIM', 'XINFO STREAM', 'XINFO GROUPS', 'XINFO CONSUMERS']) {
      expect(ok.get(name) ?? 0, name).toBeGreaterThan(0);
    }
    expect(errors.size).toBeGreaterThan(15);
  }, 30_000);

  // The adapter plays Redis's argument parser; these pin its errors and their order.
  const ARGUMENT_ERRORS = [
    'XADD k 1-1 f v',
    'XADD k 1-1 f',
    'XADD k MAXLEN -1 * f v',
    'XADD k MAXLEN 1 LIMIT 5 * f v',
    'XADD k MAXLEN 1 MINID 5 * f v',
    'XADD k MINID (5 * f v',
    'XADD k MAXLEN 150 LIMIT 10 + f v',
    'XADD k MAXLEN 1 FOO f v',
    'XADD k NOMKSTREAM NOMKSTREAM 6-0 f v',
    'XADD k LIMIT 5 MAXLEN ~ 1 7-0 f v',
    'XADD k abc f v',
    'XADD k 1-2-3 f v',
    'XRANGE k abc + COUNT x',
    `XRANGE k (18446744073709551615-18446744073709551615 abc`,
    'XRANGE k - + COUNT',
    'XRANGE k - + COUNT x',
    'XRANGE k - + BLAH 1',
    'XRANGE k ( +',
    'XRANGE missing abc +',
    'XDEL missing abc',
    'XDEL k abc',
    'XDEL k -',
    'XTRIM missing MAXLEN abc',
    'XTRIM k',
    'XTRIM k MAXLEN = 1 LIMIT 1',
    'XTRIM k MAXLEN ~ 1 LIMIT -1',
    'XTRIM k MINID +',
    'XTRIM k FOO 1',
    'XTRIM k MAXLEN 1 FOO',
    'XREAD STREAMS k missing 0',
    'XREAD STREAMS k missing - 0',
    'XREAD STREAMS k +',
    'XREAD STREAMS k >',
    'XREAD COUNT x STREAMS k 0',
    'XGROUP CREATE missing g abc',
    'XGROUP CREATE missing g abc MKSTREAM',
    'XGROUP CREATE missing g - MKSTREAM',
    'XGROUP CREATE missing g $ MKSTREAM ENTRIESREAD -2',
    'XGROUP CREATE k g 0 FOO',
    'XGROUP CREATE k g abc ENTRIESREAD 5',
    'XGROUP CREATE k g 0 ENTRIESREAD x',
    'XGROUP CREATE k g 0',
    'XGROUP SETID k nog abc',
    'XGROUP SETID k nog 0 ENTRIESREAD -5',
    'XGROUP SETID missing g abc',
    'XGROUP SETID k g abc',
    'XGROUP SETID k g 0 FOO 3',
    'XGROUP SETID k g 0 ENTRIESREAD',
    'XGROUP SETID k g + ',
    'XREADGROUP GROUP g c STREAMS k missing > abc',
    'XREADGROUP GROUP g c STREAMS k k 0 abc',
    'XREADGROUP GROUP g c COUNT x STREAMS k >',
    'XREADGROUP GROUP g c STREAMS k $',
    'XREADGROUP GROUP nog c STREAMS k abc',
    'XREADGROUP GROUP g c STREAMS k',
    'XREADGROUP GROUP g c STREAMS k -',
    'XACK k g 1-1 abc',
    'XACK k nog 1-1 abc',
    'XPENDING k g IDLE 10',
    'XPENDING k g IDLE x - + 10',
    'XPENDING k g abc + x',
    'XPENDING k nog abc + 10',
    'XPENDING k g - + 10 c extra',
    'XCLAIM k g c x 1-1',
    'XCLAIM k nog c x abc',
    'XCLAIM k g c 0 1-1 bogus',
    'XCLAIM k g c 0 1-1 -',
    'XCLAIM k g c 0 1-1 IDLE x',
    'XCLAIM k g c 0 1-1 IDLE',
    'XCLAIM k g c 0 1-1 JUSTID 3-1',
    'XCLAIM k g c 0 1-1 LASTID abc',
    'XAUTOCLAIM k g c x 0',
    'XAUTOCLAIM k nog c x 0',
    'XAUTOCLAIM k nog c 0 abc',
    'XAUTOCLAIM k nog c 0 0 FOO',
    'XAUTOCLAIM k g c 0 0 COUNT 0',
    'XAUTOCLAIM k g c 0 0 COUNT x',
    'XAUTOCLAIM k g c 0 0 COUNT 922337203685477580',
    `XAUTOCLAIM k g c 0 (18446744073709551615-18446744073709551615`,
    'XAUTOCLAIM missing g c 0 0',
    'XSETID k abc',
    'XSETID k 6-0 FOO 1',
    'XSETID k 5-0 ENTRIESADDED -1',
    'XSETID k 5-0 ENTRIESADDED x',
    'XSETID k 5-0 MAXDELETEDID 6-0 ENTRIESADDED -1',
    'XSETID missing 1-1 MAXDELETEDID 6-0',
    'XSETID missing 1-1',
    'XINFO STREAM k FULL COUNT',
    'XINFO STREAM k FOO',
    'XINFO STREAM missing FOO',
    'XINFO STREAM missing FULL',
    'XINFO CONSUMERS missing g',
    'XINFO CONSUMERS k nog',
    'XINFO GROUPS missing',
  ];

  it('reproduces Redis argument errors and their order', async () => {
    await oracle.redis.call('FLUSHALL');
    const handle = oracle.makeCore();
    const mismatches: string[] = [];
    for (const line of ARGUMENT_ERRORS) {
      const argv = line.trim().split(/\s+/);
      const [r, o] = await runBoth(oracle.redis, handle, argv);
      const diff = compareOutcomes(argv, r, o);
      if (diff) mismatches.push(`${line}\n  redis: ${show(r)}\n  ours:  ${show(o)}\n  ${diff}`);
    }
    expect(mismatches, mismatches.join('\n')).toEqual([]);
  });
});
