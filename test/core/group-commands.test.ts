import { describe, expect, it } from 'vitest';
import { errorMessage } from '../../src/domain/errors.js';
import { add, code, coreWithClock, fmt, id, ordersCore, thrown } from './helpers.js';

describe('XGROUP', () => {
  it('BUSYGROUP, missing key without MKSTREAM, NOGROUP on SETID', () => {
    const { core } = ordersCore();
    expect(code(() => core.xgroupCreate('orders', 'g', { startId: '$' }))).toBe('BUSYGROUP');
    expect(code(() => core.xgroupCreate('nope', 'g', { startId: '$' }))).toBe('NO_STREAM');
    expect(code(() => core.xgroupSetId('orders', 'nope', { lastId: 0n }))).toBe('NOGROUP');
    expect(core.xgroupDestroy('orders', 'nope')).toBe(false);
    expect(core.xgroupDestroy('orders', 'g')).toBe(true);
  });

  it('DELCONSUMER answers the pending count and drops those entries for good', () => {
    const { core } = ordersCore();
    core.xreadgroup({ group: 'g', consumer: 'a', streams: [{ key: 'orders', from: '>' }], count: 2 });
    expect(core.xgroupDelConsumer('orders', 'g', 'a')).toBe(2);
    expect(core.xgroupDelConsumer('orders', 'g', 'a')).toBeNull();
    expect(core.xpendingSummary('orders', 'g').count).toBe(0);
    const next = core.xreadgroup({ group: 'g', consumer: 'b', streams: [{ key: 'orders', from: '>' }] });
    expect(fmt(next[0]!.entries.map((e) => e.id))).toEqual(['3-0']);
  });

  it('CREATECONSUMER answers whether it created', () => {
    const { core } = ordersCore();
    expect(core.xgroupCreateConsumer('orders', 'g', 'x')).toBe(true);
    expect(core.xgroupCreateConsumer('orders', 'g', 'x')).toBe(false);
  });

  it('words a missing key and a missing group as XGROUP does', () => {
    const { core } = ordersCore();
    expect(thrown(() => core.xgroupSetId('nope', 'g', { lastId: 0n }))).toMatchObject({ code: 'NO_STREAM', message: errorMessage('NO_STREAM', 'groupNeedsKey') });
    expect(thrown(() => core.xgroupDestroy('nope', 'g'))).toMatchObject({ code: 'NO_STREAM', message: errorMessage('NO_STREAM', 'groupNeedsKey') });
    expect(thrown(() => core.xgroupCreateConsumer('orders', 'nope', 'c'))).toMatchObject({
      code: 'NOGROUP',
      message: "NOGROUP No such consumer group 'nope' for key name 'orders'",
    });
    expect(code(() => core.xgroupDelConsumer('orders', 'nope', 'c'))).toBe('NOGROUP');
  });

  it('CREATE and SETID take $ and ENTRIESREAD, -1 meaning unknown, and answer the group row', () => {
    const { core } = coreWithClock();
    core.xadd('s', { id: add('1-0'), fields: ['a', '1'] });
    core.xadd('s', { id: add('2-0'), fields: ['a', '2'] });
    expect(core.xgroupCreate('s', 'g', { startId: '$', entriesRead: 2n })).toMatchObject({ lastDeliveredId: id('2-0'), entriesRead: 2n, lag: 0n });
    expect(core.xgroupSetId('s', 'g', { lastId: id('1-0'), entriesRead: -1n })).toMatchObject({ lastDeliveredId: id('1-0'), entriesRead: null });
    expect(code(() => core.xgroupSetId('s', 'g', { lastId: 0n, entriesRead: -2n }))).toBe('VALIDATION');
    expect(core.groupInfo('s', 'g')).toMatchObject({ lastDeliveredId: id('1-0') });
  });
});
