import { median, ratio } from './stats.js';
import type { Row } from './types.js';

/**
 * A throughput-like row (higher is better): the median of each side, and
 * the ratio, met when it is >= `minRatio`. When both sides have one figure
 * per round (they ran side by side, round after round), the ratio is the
 * median of the per-round ratios, so that a disturbance hitting one round
 * of one side does not tip the verdict; otherwise the ratio of the medians.
 */
export function compareRow(measure: string, unit: string, rounds: (number | null)[], anchorRounds: (number | null)[], minRatio: number, note?: string): Row {
  const value = median(rounds);
  const anchor = median(anchorRounds);
  const paired = rounds.length > 1 && rounds.length === anchorRounds.length;
  const r = paired ? median(rounds.map((v, i) => ratio(v, anchorRounds[i]))) : ratio(value, anchor);
  return {
    measure,
    value,
    unit,
    anchor,
    ratio: r,
    ...(paired && { ratioNote: 'median of the per-round ratios' }),
    target: `>= ${minRatio.toFixed(1)}x`,
    met: r === null ? null : r >= minRatio,
    rounds: rounds.filter((x): x is number => x !== null),
    anchorRounds: anchorRounds.filter((x): x is number => x !== null),
    ...(note !== undefined && { note }),
  };
}

/** The same comparison without a verdict: context for reading the rows that have one. */
export function informational(row: Row): Row {
  return { ...row, target: undefined, met: null };
}

/** A row whose measure could not be taken: why, and the anchor when it was. */
export function skippedRow(measure: string, unit: string, reason: string, anchorRounds?: (number | null)[], target?: string): Row {
  const anchor = anchorRounds === undefined ? undefined : median(anchorRounds);
  return {
    measure,
    value: null,
    unit,
    ...(anchor !== undefined && { anchor }),
    target,
    met: null,
    skipped: reason,
    ...(anchorRounds && { anchorRounds: anchorRounds.filter((x): x is number => x !== null) }),
  };
}

export function failedRow(error: unknown): Row {
  const message = error instanceof Error ? error.message.split('\n')[0]! : String(error);
  return { measure: 'scenario', value: null, unit: '', met: null, skipped: `failed: ${message}` };
}

/** Runs `a` and `b` once per round, alternating which goes first, so that neither always runs warm or cold. */
export async function alternate<A, B>(rounds: number, a: (round: number) => Promise<A>, b: (round: number) => Promise<B>): Promise<{ a: A[]; b: B[] }> {
  const out = { a: [] as A[], b: [] as B[] };
  for (let round = 0; round < rounds; round++) {
    if (round % 2 === 0) {
      out.a.push(await a(round));
      out.b.push(await b(round));
    } else {
      out.b.push(await b(round));
      out.a.push(await a(round));
    }
  }
  return out;
}

/** Thrown by a scenario step when the server lacks a route or feature: the rows say "skipped", the run goes on. */
export class MissingFeature extends Error {}
