import { StreamCore } from '../../src/core/stream-core.js';
import { StreamError, type ErrorCode } from '../../src/domain/errors.js';
import { formatId, parseAddId, parseId, parseRangeBound, type StreamId } from '../../src/domain/ids.js';

/** A core on a clock the test moves by hand. */
export function coreWithClock(start = 1_700_000_000_000): { core: StreamCore; clock: { now: number } } {
  const clock = { now: start };
  return { core: new StreamCore({ clock: () => clock.now }), clock };
}

export const id = (text: string): StreamId => parseId(text)!;
export const add = (text: string) => parseAddId(text)!;
export const fmt = (ids: StreamId[]): string[] => ids.map(formatId);
export const all = { start: parseRangeBound('-', 'start')!, end: parseRangeBound('+', 'end')! };
export const bound = (text: string, side: 'start' | 'end') => parseRangeBound(text, side)!;

/** The StreamError `run` throws (anything else is rethrown; not throwing fails the test). */
export function thrown(run: () => unknown): StreamError {
  try {
    run();
  } catch (err) {
    if (err instanceof StreamError) return err;
    throw err;
  }
  throw new Error('expected a StreamError');
}

/** The code of the StreamError `run` throws. */
export const code = (run: () => unknown): ErrorCode => thrown(run).code;

/** A stream `orders` with group `g` at 0 and entries 1-0, 2-0, 3-0. */
export function ordersCore(): ReturnType<typeof coreWithClock> {
  const ctx = coreWithClock();
  ctx.core.xgroupCreate('orders', 'g', { startId: 0n, mkStream: true });
  for (let i = 1; i <= 3; i++) ctx.core.xadd('orders', { id: add(`${i}-0`), fields: ['order_id', String(1000 + i)] });
  return ctx;
}
