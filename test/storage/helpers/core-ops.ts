import fc from 'fast-check';
import { StreamError } from '../../../src/domain/errors.js';
import type { StreamCore } from '../../../src/core/stream-core.js';
import { makeId } from '../../../src/domain/ids.js';
import type { RefPolicy } from '../../../src/domain/types.js';

/** One stream command with its arguments drawn from small pools, so that commands meet on the same keys, groups and IDs. */
export type Op =
  | { cmd: 'xadd'; key: number; explicit: number | null; fields: string[]; trim: number | null }
  | { cmd: 'xaddBatch'; key: number; n: number }
  | { cmd: 'xdel'; key: number; picks: number[] }
  | { cmd: 'xtrim'; key: number; maxLen: number; approximate: boolean }
  | { cmd: 'xtrimMinId'; key: number; pick: number }
  | { cmd: 'xsetid'; key: number; bump: number }
  | { cmd: 'del'; key: number }
  | { cmd: 'groupCreate'; key: number; group: number; fromStart: boolean; mkStream: boolean }
  | { cmd: 'groupSetId'; key: number; group: number; pick: number }
  | { cmd: 'groupDestroy'; key: number; group: number }
  | { cmd: 'createConsumer'; key: number; group: number; consumer: number }
  | { cmd: 'delConsumer'; key: number; group: number; consumer: number }
  | { cmd: 'readNew'; key: number; group: number; consumer: number; count: number; noAck: boolean }
  | { cmd: 'readHistory'; key: number; group: number; consumer: number }
  | { cmd: 'ack'; key: number; group: number; picks: number[] }
  | { cmd: 'claim'; key: number; group: number; consumer: number; picks: number[]; retry: number | null }
  | { cmd: 'autoclaim'; key: number; group: number; consumer: number; count: number }
  | { cmd: 'ackdel'; key: number; group: number; picks: number[]; refs: RefPolicy }
  | { cmd: 'delex'; key: number; picks: number[]; refs: RefPolicy }
  | { cmd: 'xtrimRefs'; key: number; maxLen: number; refs: RefPolicy }
  | { cmd: 'nack'; key: number; group: number; picks: number[]; mode: 'silent' | 'fail' | 'fatal'; force: boolean }
  | { cmd: 'tick'; ms: number };

const key = fc.nat(3);
const group = fc.nat(2);
const consumer = fc.nat(3);
const picks = fc.array(fc.nat(40), { maxLength: 4 });
const refs = fc.constantFrom<RefPolicy>('keepRef', 'delRef', 'acked');
const text = fc.string({ unit: fc.constantFrom('a', 'é', '🦄', ' ', '0', '\u0000'), maxLength: 6 });

export const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 10, arbitrary: fc.record({ cmd: fc.constant('xadd' as const), key, explicit: fc.option(fc.nat(50), { nil: null }), fields: fc.array(text, { minLength: 1, maxLength: 3 }).map((f) => (f.length % 2 ? [...f, ''] : f)), trim: fc.option(fc.nat(8), { nil: null, freq: 6 }) }) },
  { weight: 2, arbitrary: fc.record({ cmd: fc.constant('xaddBatch' as const), key, n: fc.integer({ min: 1, max: 5 }) }) },
  { weight: 2, arbitrary: fc.record({ cmd: fc.constant('xdel' as const), key, picks }) },
  { weight: 1, arbitrary: fc.record({ cmd: fc.constant('xtrim' as const), key, maxLen: fc.nat(10), approximate: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ cmd: fc.constant('xtrimMinId' as const), key, pick: fc.nat(40) }) },
  { weight: 1, arbitrary: fc.record({ cmd: fc.constant('xsetid' as const), key, bump: fc.nat(3) }) },
  { weight: 1, arbitrary: fc.record({ cmd: fc.constant('del' as const), key }) },
  { weight: 3, arbitrary: fc.record({ cmd: fc.constant('groupCreate' as const), key, group, fromStart: fc.boolean(), mkStream: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ cmd: fc.constant('groupSetId' as const), key, group, pick: fc.nat(40) }) },
  { weight: 1, arbitrary: fc.record({ cmd: fc.constant('groupDestroy' as const), key, group }) },
  { weight: 1, arbitrary: fc.record({ cmd: fc.constant('createConsumer' as const), key, group, consumer }) },
  { weight: 1, arbitrary: fc.record({ cmd: fc.constant('delConsumer' as const), key, group, consumer }) },
  { weight: 6, arbitrary: fc.record({ cmd: fc.constant('readNew' as const), key, group, consumer, count: fc.integer({ min: 1, max: 4 }), noAck: fc.boolean() }) },
  { weight: 2, arbitrary: fc.record({ cmd: fc.constant('readHistory' as const), key, group, consumer }) },
  { weight: 4, arbitrary: fc.record({ cmd: fc.constant('ack' as const), key, group, picks }) },
  { weight: 2, arbitrary: fc.record({ cmd: fc.constant('claim' as const), key, group, consumer, picks, retry: fc.option(fc.nat(5), { nil: null }) }) },
  { weight: 1, arbitrary: fc.record({ cmd: fc.constant('autoclaim' as const), key, group, consumer, count: fc.integer({ min: 1, max: 5 }) }) },
  { weight: 2, arbitrary: fc.record({ cmd: fc.constant('ackdel' as const), key, group, picks, refs }) },
  { weight: 1, arbitrary: fc.record({ cmd: fc.constant('delex' as const), key, picks, refs }) },
  { weight: 1, arbitrary: fc.record({ cmd: fc.constant('xtrimRefs' as const), key, maxLen: fc.nat(10), refs }) },
  { weight: 2, arbitrary: fc.record({ cmd: fc.constant('nack' as const), key, group, picks, mode: fc.constantFrom('silent' as const, 'fail' as const, 'fatal' as const), force: fc.boolean() }) },
  { weight: 3, arbitrary: fc.record({ cmd: fc.constant('tick' as const), ms: fc.integer({ min: 1, max: 2000 }) }) },
);

/** A clock the ops move forward. */
export class FakeClock {
  constructor(public ms = 1_700_000_000_000) {}
  readonly now = (): number => this.ms;
}

/** The IDs present in a stream, for picking existing (and, past the end, missing) IDs. */
function idsOf(core: StreamCore, k: string): bigint[] {
  return (core.xrange(k, { start: { id: 0n, exclusive: false }, end: { id: (1n << 128n) - 1n, exclusive: false } }) ?? []).map((e) => e.id);
}

function pickIds(core: StreamCore, k: string, picks: number[]): bigint[] {
  const ids = idsOf(core, k);
  return picks.map((p) => (p < ids.length ? ids[p]! : makeId(BigInt(1_700_000_000_000 + p), 0n)));
}

/** Runs one op; the core's refusals (StreamError) are part of the game, anything else is a failure. */
export function runOp(core: StreamCore, clock: FakeClock, op: Op): void {
  const k = op.cmd === 'tick' ? '' : `s${op.key}`;
  const g = 'group' in op ? `g${op.group}` : '';
  const c = 'consumer' in op ? `c${op.consumer}` : '';
  try {
    switch (op.cmd) {
      case 'tick':
        clock.ms += op.ms;
        return;
      case 'xadd':
        core.xadd(k, {
          id: op.explicit === null ? { kind: 'auto' } : { kind: 'explicit', id: makeId(BigInt(clock.ms), BigInt(op.explicit)) },
          fields: op.fields,
          ...(op.trim !== null && { trim: { maxLen: BigInt(op.trim), approximate: op.trim % 2 === 0 } }),
        });
        return;
      case 'xaddBatch':
        core.xaddBatch(k, Array.from({ length: op.n }, (_, i) => ({ id: { kind: 'auto' as const }, fields: ['i', String(i)] })), {});
        return;
      case 'xdel':
        core.xdel(k, pickIds(core, k, op.picks));
        return;
      case 'xtrim':
        core.xtrim(k, { maxLen: BigInt(op.maxLen), approximate: op.approximate });
        return;
      case 'xtrimMinId':
        core.xtrim(k, { minId: pickIds(core, k, [op.pick])[0]!, approximate: false });
        return;
      case 'xsetid': {
        const info = core.xinfoStream(k);
        if (info === null) return;
        core.xsetid(k, { lastId: info.lastGeneratedId + BigInt(op.bump), entriesAdded: info.entriesAdded + BigInt(op.bump) });
        return;
      }
      case 'del':
        core.del(k);
        return;
      case 'groupCreate':
        core.xgroupCreate(k, g, { startId: op.fromStart ? 0n : '$', mkStream: op.mkStream });
        return;
      case 'groupSetId':
        core.xgroupSetId(k, g, { lastId: pickIds(core, k, [op.pick])[0]! });
        return;
      case 'groupDestroy':
        core.xgroupDestroy(k, g);
        return;
      case 'createConsumer':
        core.xgroupCreateConsumer(k, g, c);
        return;
      case 'delConsumer':
        core.xgroupDelConsumer(k, g, c);
        return;
      case 'readNew':
        core.xreadgroup({ group: g, consumer: c, streams: [{ key: k, from: '>' }], count: op.count, noAck: op.noAck });
        return;
      case 'readHistory':
        core.xreadgroup({ group: g, consumer: c, streams: [{ key: k, from: 0n }] });
        return;
      case 'ack':
        core.xack(k, g, pickIds(core, k, op.picks));
        return;
      case 'claim':
        core.xclaim(k, g, { consumer: c, minIdleMs: 0, ids: pickIds(core, k, op.picks), ...(op.retry !== null && { retryCount: op.retry }) });
        return;
      case 'autoclaim':
        core.xautoclaim(k, g, { consumer: c, minIdleMs: 0, start: 0n, count: op.count });
        return;
      case 'nack':
        core.xnack(k, g, { ids: pickIds(core, k, op.picks), mode: op.mode, force: op.force });
        return;
      case 'ackdel':
        core.xackdel(k, g, pickIds(core, k, op.picks), op.refs);
        return;
      case 'delex':
        core.xdelex(k, pickIds(core, k, op.picks), op.refs);
        return;
      case 'xtrimRefs':
        core.xtrim(k, { maxLen: BigInt(op.maxLen), approximate: op.maxLen % 2 === 0, refs: op.refs });
        return;
    }
  } catch (err) {
    if (!(err instanceof StreamError)) throw err;
  }
}
