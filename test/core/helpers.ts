import { StreamCore } from '../../src/core/stream-core.js';
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
