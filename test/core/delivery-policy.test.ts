import { describe, expect, it } from 'vitest';
import type { EffectBatch } from '../../src/core/effects.js';
import { StreamCore } from '../../src/core/stream-core.js';
import { retryDelayMs, validateDeliveryPolicy } from '../../src/domain/delivery-policy.js';
import { formatId } from '../../src/domain/ids.js';
import { DEAD_LETTER_FIELDS, type DeliveryPolicy, type PolicyEvent } from '../../src/domain/types.js';
import { decodeRecord, encodeBatchRecord } from '../../src/storage/record-codec.js';
import { ByteWriter } from '../../src/storage/byte-writer.js';
import { add, all, code, fmt, id } from './helpers.js';

const T0 = 1_700_000_000_000;

/** A core on a hand-moved clock with stream `s` (entries 1-0..n-0) and group `g` at 0 with `policy`; every batch and policy event recorded. */
function policyCore(policy: DeliveryPolicy, entries = 3) {
  const clock = { now: T0 };
  const batches: EffectBatch[] = [];
  const core = new StreamCore({ clock: () => clock.now, sink: (batch) => batches.push(batch) });
  const events: PolicyEvent[] = [];
  core.onPolicyEvent((event) => events.push(event));
  core.xgroupCreate('s', 'g', { startId: 0n, mkStream: true, policy });
  for (let i = 1; i <= entries; i++) core.xadd('s', { id: add(`${i}-0`), fields: ['n', String(i)] });
  const read = (consumer: string, count?: number) =>
    core.xreadgroup({ group: 'g', consumer, streams: [{ key: 's', from: '>' }], count })[0]?.entries ?? [];
  const pending = () => core.xpendingRange('s', 'g', { ...all, count: 100 }).map((p) => [formatId(p.id), p.consumer, p.deliveryCount]);
  /** A second core rebuilt from the recorded batches (what a restart replays). */
  const replayed = () => {
    const copy = new StreamCore({ clock: () => clock.now });
    for (const batch of batches) copy.applyBatch(batch);
    return copy;
  };
  return { core, clock, batches, events, read, pending, replayed };
}

describe('delivery policies: validation', () => {
  it('refuses maxDeliveries 0, a lone maxDeliveries or deadLetterStream, the own stream as DLQ, bad times', () => {
    const bad: DeliveryPolicy[] = [
      { maxDeliveries: 0, deadLetterStream: 'dlq' },
      { maxDeliveries: 3 },
      { deadLetterStream: 'dlq' },
      { maxDeliveries: 3, deadLetterStream: 's' },
      { ackDeadlineMs: -1 },
      { ackDeadlineMs: 0 },
      { ackDeadlineMs: 1e12 },
      { ackDeadlineMs: 1.5 },
      { retryBackoffMs: [1000, -5] },
      { retryBackoffMs: new Array(101).fill(1) },
      { consumerIdleTimeoutMs: 0 },
    ];
    for (const policy of bad) expect(code(() => validateDeliveryPolicy('s', policy)), JSON.stringify(policy).slice(0, 80)).toBe('VALIDATION');
    expect(validateDeliveryPolicy('s', {})).toBeNull();
    expect(validateDeliveryPolicy('s', { ackDeadlineMs: 5, retryBackoffMs: [0, 10] })).toEqual({ ackDeadlineMs: 5, retryBackoffMs: [0, 10] });
  });

  it('takes retryBackoffMs[n-1] for the n-th delivery, the last repeating, 0 without a list', () => {
    const policy = { retryBackoffMs: [1000, 5000, 30000] };
    expect([1, 2, 3, 4, 9].map((n) => retryDelayMs(policy, n))).toEqual([1000, 5000, 30000, 30000, 30000]);
    expect(retryDelayMs({}, 3)).toBe(0);
  });

  it('creating a group with a bad policy creates nothing; the group shows its policy', () => {
    const core = new StreamCore();
    core.xadd('s', { id: add('1-0'), fields: ['a', '1'] });
    expect(code(() => core.xgroupCreate('s', 'g', { startId: 0n, policy: { maxDeliveries: 2 } }))).toBe('VALIDATION');
    expect(core.xinfoGroups('s')).toEqual([]);
    const info = core.xgroupCreate('s', 'g', { startId: 0n, policy: { ackDeadlineMs: 1000 } });
    expect(info.policy).toEqual({ ackDeadlineMs: 1000 });
    expect(core.groupInfo('s', 'g')!.policy).toEqual({ ackDeadlineMs: 1000 });
  });
});

describe('delivery policies: ack deadline', () => {
  it('stamps each delivery with its absolute deadline; past it the entry is taken back and read first, oldest first, then new ones', () => {
    const { core, clock, read, pending, events } = policyCore({ ackDeadlineMs: 1000 }, 4);
    const first = read('a', 2);
    expect(first.map((e) => [formatId(e.id), e.deliveryCount, e.ackDeadline])).toEqual([
      ['1-0', 1, T0 + 1000],
      ['2-0', 1, T0 + 1000],
    ]);
    clock.now += 400;
    read('a', 1); // 3-0, deadline T0 + 1400
    expect(core.nextPolicyTime()).toBe(T0 + 1000);
    clock.now = T0 + 1000;
    core.runDue();
    expect(pending()).toEqual([
      ['1-0', null, 1],
      ['2-0', null, 1],
      ['3-0', 'a', 1],
    ]);
    expect(core.nextPolicyTime()).toBe(T0 + 1400);
    const again = read('b', 3);
    expect(again.map((e) => [formatId(e.id), e.deliveryCount])).toEqual([
      ['1-0', 2],
      ['2-0', 2],
      ['4-0', 1],
    ]);
    expect(again.every((e) => e.ackDeadline === T0 + 2000)).toBe(true);
    expect(events).toContainEqual({ kind: 'redelivered', stream: 's', group: 'g', count: 2 });
  });

  it('extend moves a deadline, later or earlier; NO_DELIVERY_POLICY without ackDeadlineMs', () => {
    const { core, clock, read, pending } = policyCore({ ackDeadlineMs: 1000 });
    read('a', 2);
    expect(core.extendDeadline('s', 'g', [id('1-0'), id('9-0')], 5000)).toEqual({ extended: 1, ackDeadline: T0 + 5000 });
    clock.now = T0 + 1000;
    core.runDue();
    expect(pending()).toEqual([
      ['1-0', 'a', 1],
      ['2-0', null, 1],
    ]);
    clock.now = T0 + 5000;
    core.runDue();
    expect(pending()[0]).toEqual(['1-0', null, 1]);
    expect(code(() => core.extendDeadline('s', 'g', [], 10))).toBe('VALIDATION');
    expect(code(() => core.extendDeadline('s', 'g', [id('1-0')], 0))).toBe('VALIDATION');
    const other = policyCore({ consumerIdleTimeoutMs: 1000 });
    expect(code(() => other.core.extendDeadline('s', 'g', [id('1-0')], 10))).toBe('NO_DELIVERY_POLICY');
  });

  it('refuses claimMinIdleMs in a group with a policy', () => {
    const { core } = policyCore({ ackDeadlineMs: 1000 });
    expect(code(() => core.xreadgroup({ group: 'g', consumer: 'a', streams: [{ key: 's', from: '>' }], claimMinIdleMs: 0 }))).toBe('VALIDATION');
  });
});

describe('delivery policies: nack delays', () => {
  it('delayMs holds a nacked entry back; nacked entries come before taken-back ones', () => {
    const { core, clock, read } = policyCore({ ackDeadlineMs: 1000 }, 4);
    read('a', 3);
    clock.now += 10;
    expect(core.xnack('s', 'g', { ids: [id('2-0')], mode: 'fail', delayMs: 5000 })).toBe(1);
    expect(core.xnack('s', 'g', { ids: [id('3-0')], mode: 'fail' })).toBe(1);
    clock.now = T0 + 1000;
    core.runDue(); // 1-0 taken back at its deadline
    expect(read('b', 10).map((e) => formatId(e.id))).toEqual(['3-0', '1-0', '4-0']);
    expect(core.nextNackedDue('s', 'g')).toBe(T0 + 5010);
    expect(read('b', 10)).toEqual([]);
    clock.now = T0 + 5010;
    expect(read('b', 10).map((e) => [formatId(e.id), e.deliveryCount])).toEqual([['2-0', 2]]);
  });

  it('without delayMs applies retryBackoffMs by the deliveries so far', () => {
    const { core, clock, read } = policyCore({ retryBackoffMs: [1000, 5000] }, 1);
    const cycle = (wait: number): string[] => {
      core.xnack('s', 'g', { ids: [id('1-0')], mode: 'fail' });
      clock.now += wait - 1;
      const early = read('a').map((e) => formatId(e.id));
      clock.now += 1;
      return early.concat(read('a').map((e) => `${formatId(e.id)}#${e.deliveryCount}`));
    };
    read('a');
    expect(cycle(1000)).toEqual(['1-0#2']);
    expect(cycle(5000)).toEqual(['1-0#3']);
    expect(cycle(5000)).toEqual(['1-0#4']);
  });

  it('delayMs in a group without a policy is NO_DELIVERY_POLICY and changes nothing', () => {
    const core = new StreamCore();
    core.xgroupCreate('s', 'g', { startId: 0n, mkStream: true });
    core.xadd('s', { id: add('1-0'), fields: ['a', '1'] });
    core.xreadgroup({ group: 'g', consumer: 'a', streams: [{ key: 's', from: '>' }] });
    expect(code(() => core.xnack('s', 'g', { ids: [id('1-0')], mode: 'fail', delayMs: 10 }))).toBe('NO_DELIVERY_POLICY');
    expect(core.xinfoStreamFull('s')!.groups[0]!.nackedCount).toBe(0);
  });
});

describe('delivery policies: dead letters and redrive', () => {
  it('dead-letters a poison message after maxDeliveries with its fields and origin, acks it, and redrive brings it back', () => {
    const { core, clock, read, pending, events } = policyCore({ ackDeadlineMs: 1000, maxDeliveries: 2, deadLetterStream: 'dlq' }, 1);
    core.xadd('s', { id: add('2-0'), fields: ['order', 'x', 'order', 'dup'] });
    for (let delivery = 1; delivery <= 2; delivery++) {
      expect(read('a').map((e) => e.deliveryCount)).toEqual(delivery === 1 ? [1, 1] : [2, 2]);
      clock.now += 1000;
      core.runDue();
    }
    expect(pending()).toEqual([]);
    const letters = core.xrange('dlq', all)!;
    expect(letters.map((e) => e.fields)).toEqual([
      ['n', '1', DEAD_LETTER_FIELDS.stream, 's', DEAD_LETTER_FIELDS.id, '1-0', DEAD_LETTER_FIELDS.group, 'g', DEAD_LETTER_FIELDS.deliveries, '2'],
      ['order', 'x', 'order', 'dup', DEAD_LETTER_FIELDS.stream, 's', DEAD_LETTER_FIELDS.id, '2-0', DEAD_LETTER_FIELDS.group, 'g', DEAD_LETTER_FIELDS.deliveries, '2'],
    ]);
    expect(events).toContainEqual({ kind: 'deadLettered', stream: 's', group: 'g', count: 2 });
    expect(read('a')).toEqual([]);

    core.xadd('dlq', { id: { kind: 'auto' }, fields: ['not', 'a dead letter'] });
    expect(core.redrive('dlq', 1)).toBe(1);
    expect(core.redrive('dlq', 10)).toBe(1);
    expect(core.redrive('dlq', 10)).toBe(0);
    expect(core.xrange('dlq', all)!.map((e) => e.fields)).toEqual([['not', 'a dead letter']]);
    const back = read('b');
    expect(back.map((e) => [e.fields, e.deliveryCount])).toEqual([
      [['n', '1'], 1],
      [['order', 'x', 'order', 'dup'], 1],
    ]);
    expect(back.every((e) => e.id > id('2-0'))).toBe(true);
    expect(code(() => core.redrive('dlq', 0))).toBe('VALIDATION');
    expect(core.redrive('missing', 5)).toBe(0);
  });

  it('dead-letters a doomed nacked entry when its delay passes, with no reader', () => {
    const { core, clock, read } = policyCore({ maxDeliveries: 1, deadLetterStream: 'dlq' }, 1);
    read('a');
    core.xnack('s', 'g', { ids: [id('1-0')], mode: 'fail', delayMs: 300 });
    expect(core.nextPolicyTime()).toBe(T0 + 300);
    clock.now += 299;
    core.runDue();
    expect(core.xlen('dlq')).toBe(0);
    clock.now += 1;
    core.runDue();
    expect(core.xlen('dlq')).toBe(1);
    expect(core.xpendingSummary('s', 'g').count).toBe(0);
  });
});

describe('delivery policies: idle consumers', () => {
  it('removes a consumer idle past the timeout and releases its entries, due at once with counts unchanged', () => {
    const { core, clock, read, pending, events } = policyCore({ consumerIdleTimeoutMs: 10_000 }, 3);
    read('a', 2);
    read('a', 2); // 3-0
    core.xreadgroup({ group: 'g', consumer: 'a', streams: [{ key: 's', from: 0n }] }); // 3 entries now at 2 deliveries
    clock.now += 5_000;
    read('b'); // b is seen, delivered nothing
    clock.now += 5_000;
    core.runDue();
    expect(core.xinfoConsumers('s', 'g').map((c) => c.name)).toEqual(['b']);
    expect(pending()).toEqual([
      ['1-0', null, 2],
      ['2-0', null, 2],
      ['3-0', null, 2],
    ]);
    expect(events).toContainEqual({ kind: 'consumerExpired', stream: 's', group: 'g', count: 1 });
    expect(read('b', 2).map((e) => [formatId(e.id), e.deliveryCount])).toEqual([
      ['1-0', 3],
      ['2-0', 3],
    ]);
    clock.now += 5_000;
    core.runDue();
    expect(core.xinfoConsumers('s', 'g').map((c) => c.name)).toEqual(['b']);
  });
});

describe('delivery policies: update, persistence', () => {
  it('PATCH sets, replaces and removes the policy, with SETID in the same step; nothing given is VALIDATION', () => {
    const { core, clock, read, pending } = policyCore({ ackDeadlineMs: 1000 });
    read('a', 1);
    expect(core.groupUpdate('s', 'g', { policy: { ackDeadlineMs: 100 } }).policy).toEqual({ ackDeadlineMs: 100 });
    clock.now += 100;
    core.runDue();
    expect(pending()).toEqual([['1-0', null, 1]]);
    const info = core.groupUpdate('s', 'g', { policy: null, setId: { lastId: id('3-0') } });
    expect([info.policy, formatId(info.lastDeliveredId)]).toEqual([null, '3-0']);
    expect(core.nextPolicyTime()).toBeUndefined();
    expect(code(() => core.groupUpdate('s', 'g', {}))).toBe('VALIDATION');
    expect(code(() => core.groupUpdate('s', 'g', { policy: { maxDeliveries: 0, deadLetterStream: 'd' }, setId: { lastId: 0n } }))).toBe('VALIDATION');
    expect(formatId(core.groupInfo('s', 'g')!.lastDeliveredId)).toBe('3-0');
  });

  it('replay of the log and a snapshot restore policies, due times, counts and dead letters', () => {
    const { core, clock, read, batches, replayed } = policyCore({ ackDeadlineMs: 1000, maxDeliveries: 2, deadLetterStream: 'dlq', retryBackoffMs: [50] }, 5);
    read('a', 3);
    core.xnack('s', 'g', { ids: [id('2-0')], mode: 'fail' });
    core.extendDeadline('s', 'g', [id('3-0')], 4000);
    clock.now += 1000;
    core.runDue();
    read('b', 1);
    clock.now += 1000;
    core.runDue();
    expect(core.xlen('dlq')).toBe(1);
    const copy = replayed();
    expect(copy.debugState()).toEqual(core.debugState());
    expect(copy.nextPolicyTime()).toBe(core.nextPolicyTime());

    const fromSnapshot = new StreamCore({ clock: () => clock.now });
    for (const key of core.streamKeys()) {
      for (const entry of core.xrange(key, all)!) fromSnapshot.applyBatch([{ op: 'add', key, id: entry.id, fields: entry.fields!, entriesAdded: 0n }]);
      for (const batch of core.snapshotStreamState(key)) fromSnapshot.applyBatch(batch);
    }
    expect(fromSnapshot.debugState()).toEqual(core.debugState());
    expect(fromSnapshot.nextPolicyTime()).toBe(core.nextPolicyTime());
    expect(fmt(read('c', 10).map((e) => e.id))).toEqual(fmt(fromSnapshot.xreadgroup({ group: 'g', consumer: 'c', streams: [{ key: 's', from: '>' }], count: 10 })[0]!.entries.map((e) => e.id)));
    expect(batches.length).toBeGreaterThan(0);
  });

  it('the record codec keeps the policy effects', () => {
    const batch: EffectBatch = [
      { op: 'group-policy', key: 's', group: 'g', policy: { ackDeadlineMs: 5, maxDeliveries: 2, deadLetterStream: 'd', retryBackoffMs: [1, 2] } },
      { op: 'group-policy', key: 's', group: 'g', policy: null },
      { op: 'policy-due', key: 's', group: 'g', queue: 'overdue', entries: [{ id: id('1-1'), due: T0 }] },
      { op: 'policy-due', key: 's', group: 'g', queue: 'nacked', entries: [] },
    ];
    const out = new ByteWriter();
    encodeBatchRecord(out, batch);
    expect(decodeRecord(Buffer.from(out.bytes()))).toEqual({ kind: 'batch', batch });
  });
});
