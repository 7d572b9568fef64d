/**
 * Command arguments of the Redis backend, checked as the embedded core checks
 * them (same order, same messages) before anything is sent.
 */
import { formatId, MAX_ID, type RangeBound, type StreamId } from '../../domain/ids.js';
import type { Delivery, FieldList, TrimSpec } from '../../domain/types.js';
import type { NewEntry } from '../contract.js';
import { streamError } from '../../domain/errors.js';

export type Arg = string | number;

const INT64_MAX = (1n << 63n) - 1n;

export function checkFields(fields: FieldList): void {
  if (fields.length === 0 || fields.length % 2 !== 0) {
    throw streamError('VALIDATION', 'xaddArity');
  }
}

/** MAXLEN|MINID [=|~] threshold [LIMIT n], after the embedded core's checks. */
export function trimArgs(trim: TrimSpec): Arg[] {
  if (trim.limit !== undefined && trim.limit !== 0 && !trim.approximate) {
    throw streamError('VALIDATION', 'limitWithoutApprox');
  }
  if (trim.limit !== undefined && trim.limit < 0) throw streamError('VALIDATION', 'negativeLimit');
  const args: Arg[] = [];
  if ('maxLen' in trim) {
    if (trim.maxLen < 0n) throw streamError('VALIDATION', 'negativeMaxLen');
    args.push('MAXLEN', trim.approximate ? '~' : '=', String(trim.maxLen > INT64_MAX ? INT64_MAX : trim.maxLen));
  } else {
    args.push('MINID', trim.approximate ? '~' : '=', formatId(trim.minId));
  }
  if (trim.approximate && trim.limit !== undefined) args.push('LIMIT', trim.limit);
  return args;
}

/**
 * An ID listed twice in one XCLAIM is claimed twice, each claim adding one to
 * its count; XPENDING after the script reads only the last: earlier
 * occurrences answer one less each, as the embedded core does.
 */
export function countRepeatedClaims(claimed: Delivery[]): void {
  const later = new Map<StreamId, number>();
  for (let i = claimed.length - 1; i >= 0; i--) {
    const delivery = claimed[i]!;
    if (delivery.deliveryCount === undefined) continue;
    const next = later.get(delivery.id);
    if (next !== undefined) delivery.deliveryCount = next - 1;
    later.set(delivery.id, delivery.deliveryCount);
  }
}

/** The batch script's ARGV after its two flags: ntrim trim... n (id-spec nfields fields...)... */
export function batchArgs(trim: Arg[] | undefined, messages: NewEntry[]): Arg[] {
  const args: Arg[] = [trim?.length ?? 0, ...(trim ?? []), messages.length];
  for (const { id, fields } of messages) {
    const spec = id.kind === 'auto' ? '*' : id.kind === 'auto-seq' ? `${id.ms}-*` : formatId(id.id);
    args.push(spec, fields.length);
    for (const f of fields) args.push(f);
  }
  return args;
}

/** A range bound in Redis's syntax: `(` for exclusive; `-` and `+` are 0-0 and max-max. */
export function boundArg(bound: RangeBound, side: 'start' | 'end'): string {
  if (!bound.exclusive) {
    if (bound.id === 0n && side === 'start') return '-';
    if (bound.id === MAX_ID && side === 'end') return '+';
    return formatId(bound.id);
  }
  return `(${formatId(bound.id)}`;
}

/** SCAN MATCH treats * ? [ ] and \ as glob syntax. */
export function escapeGlob(text: string): string {
  return text.replace(/[*?[\]\\]/g, '\\$&');
}
