import fc from 'fast-check';
import type { Effect, EffectBatch } from '../../../src/core/effects.js';
import { U64_MAX, makeId } from '../../../src/domain/ids.js';

const u64 = fc.oneof(
  fc.constantFrom(0n, 1n, U64_MAX, U64_MAX - 1n, 1n << 53n, (1n << 53n) - 1n, 1n << 32n, (1n << 32n) - 1n),
  fc.bigInt({ min: 0n, max: U64_MAX }),
  fc.bigInt({ min: 0n, max: 1n << 45n }),
);

export const streamIdArb = fc.tuple(u64, u64).map(([ms, seq]) => makeId(ms, seq));

const loneSurrogate = fc.integer({ min: 0xd800, max: 0xdfff }).map((c) => String.fromCharCode(c));
const unit = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom('a', 'b', 'k', '-', ' ', '0') },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }) },
  { weight: 1, arbitrary: fc.constantFrom('é', '日本', '🦄', '\u0000', '\uffff') },
  { weight: 1, arbitrary: loneSurrogate },
);
/** Strings of every shape: empty, ASCII, multi-byte, astral, NUL, lone surrogates, and long ones. */
export const textArb = fc.oneof(
  { weight: 8, arbitrary: fc.string({ unit, maxLength: 12 }) },
  { weight: 1, arbitrary: fc.string({ unit, minLength: 60, maxLength: 300 }) },
);

const timeArb = fc.oneof(
  fc.integer({ min: 0, max: 4_102_444_800_000 }),
  fc.constantFrom(0, -1, Number.MAX_SAFE_INTEGER, 1.5),
);
const countArb = fc.oneof(fc.nat(1000), fc.constant(Number.MAX_SAFE_INTEGER));
const entriesReadArb = fc.option(
  fc.oneof(fc.bigInt({ min: 0n, max: (1n << 63n) - 1n }), fc.constantFrom(0n, -1n, (1n << 63n) - 1n)),
  { nil: null },
);

const key = textArb;
const group = textArb;
const consumer = textArb;
const ids = fc.array(streamIdArb, { maxLength: 6 });

export const effectArb: fc.Arbitrary<Effect> = fc.oneof(
  fc.record({ op: fc.constant('add' as const), key, id: streamIdArb, fields: fc.array(textArb, { maxLength: 8 }), entriesAdded: fc.bigInt(0n, (1n << 64n) - 1n) }),
  fc.record({ op: fc.constant('create' as const), key }),
  fc.record({ op: fc.constant('trim' as const), key, upTo: streamIdArb }),
  fc.record({ op: fc.constant('delete' as const), key, ids, maxDeletedId: streamIdArb, firstId: streamIdArb }),
  fc.record(
    {
      op: fc.constant('set-id' as const),
      key,
      lastId: streamIdArb,
      entriesAdded: u64,
      maxDeletedId: streamIdArb,
      firstId: streamIdArb,
    },
    { requiredKeys: ['op', 'key', 'lastId', 'entriesAdded', 'maxDeletedId'] },
  ),
  fc.record({ op: fc.constant('drop' as const), key }),
  fc.record({ op: fc.constant('group-create' as const), key, group, lastId: streamIdArb, entriesRead: entriesReadArb }),
  fc.record({ op: fc.constant('group-set-id' as const), key, group, lastId: streamIdArb, entriesRead: entriesReadArb }),
  fc.record({ op: fc.constant('group-destroy' as const), key, group }),
  fc.record({ op: fc.constant('consumer-create' as const), key, group, consumer, time: timeArb }),
  fc.record({ op: fc.constant('consumer-delete' as const), key, group, consumer }),
  fc.record({
    op: fc.constant('deliver' as const),
    key,
    group,
    consumer,
    time: timeArb,
    ids,
    active: fc.boolean(),
    lastId: streamIdArb,
    entriesRead: entriesReadArb,
  }),
  fc.record({
    op: fc.constant('pending-set' as const),
    key,
    group,
    consumer,
    seenTime: timeArb,
    activeTime: fc.option(timeArb, { nil: null }),
    entries: fc.array(fc.record({ id: streamIdArb, time: timeArb, count: countArb }), { maxLength: 5 }),
  }),
  fc.record({ op: fc.constant('ack' as const), key, group, ids }),
  fc.record({ op: fc.constant('dereference' as const), key, ids }),
  fc.record({ op: fc.constant('idmp-config' as const), key, durationS: fc.integer({ min: 1, max: 86400 }), maxSize: fc.integer({ min: 1, max: 10000 }), clear: fc.boolean() }),
  fc.record({ op: fc.constant('idmp-record' as const), key, producer: textArb, iid: textArb, id: streamIdArb, digest: textArb, added: fc.bigInt(0n, (1n << 64n) - 1n) }),
  fc.record({
    op: fc.constant('idmp-record-batch' as const),
    key,
    producer: textArb,
    iid: textArb,
    ids: fc.array(streamIdArb, { minLength: 1, maxLength: 5 }),
    digest: textArb,
    added: fc.bigInt(0n, (1n << 64n) - 1n),
  }),
  fc.record({ op: fc.constant('idmp-duplicate' as const), key, duplicates: fc.bigInt(0n, (1n << 64n) - 1n) }),
  fc.record({ op: fc.constant('nack' as const), key, group, entries: fc.array(fc.record({ id: streamIdArb, count: countArb }), { maxLength: 5 }) }),
);

export const batchArb: fc.Arbitrary<EffectBatch> = fc.array(effectArb, { maxLength: 6 });
