/**
 * The byte and entry budget of one reply (MAXCOUNT / MAXSIZE of Redis 8.10, and
 * the server's own cap on every reply that carries entries). A read checks each
 * candidate entry against the budget before it delivers or claims anything, so
 * nothing beyond the budget changes state; the first entry of a reply always
 * fits, so a read always makes progress.
 */
import { streamError } from '../domain/errors.js';
import type { FieldList } from '../domain/types.js';

/** What is left of the budget for the rest of a reply; `taken` entries so far. */
export interface ReplyBudget {
  entries: number;
  bytes: number;
  taken: number;
}

/**
 * The budget of a reply: `maxCount` entries (MAXCOUNT) and min(`maxBytes`, `replyBytes`) bytes of field names and
 * values (MAXSIZE, and the server's cap). Undefined when nothing caps the reply, so uncapped reads pay nothing.
 */
export function replyBudget(replyBytes: number, maxCount?: number, maxBytes?: number): ReplyBudget | undefined {
  const bytes = Math.min(maxBytes ?? Number.POSITIVE_INFINITY, replyBytes);
  if (maxCount === undefined && bytes === Number.POSITIVE_INFINITY) return undefined;
  return { entries: maxCount ?? Number.POSITIVE_INFINITY, bytes, taken: 0 };
}

/** MAXCOUNT and MAXSIZE are positive, and MAXCOUNT is at least COUNT (Redis 8.10). */
export function checkReplyCaps(maxCount: number | undefined, maxBytes: number | undefined, count: number | undefined): void {
  if (maxCount !== undefined && !(maxCount >= 1)) throw streamError('VALIDATION', 'maxCountPositive');
  if (maxBytes !== undefined && !(maxBytes >= 1)) throw streamError('VALIDATION', 'maxBytesPositive');
  if (maxCount !== undefined && count !== undefined && maxCount < count) throw streamError('VALIDATION', 'maxCountBelowCount');
}

/** UTF-8 bytes of an entry's names and values: what MAXSIZE counts. */
export function entryBytes(fields: FieldList): number {
  let n = 0;
  for (let i = 0; i < fields.length; i++) n += Buffer.byteLength(fields[i]!, 'utf8');
  return n;
}

/** True once the budget has no room left for anything but nothing (it has taken an entry and is spent). */
export function budgetSpent(budget: ReplyBudget): boolean {
  return budget.taken > 0 && (budget.entries <= 0 || budget.bytes <= 0);
}

/** Takes one entry from the budget, or answers false when it does not fit (the first entry of a reply always does). */
export function spend(budget: ReplyBudget, fields: FieldList): boolean {
  const bytes = entryBytes(fields);
  if (budget.taken > 0 && (budget.entries < 1 || bytes > budget.bytes)) return false;
  budget.entries--;
  budget.bytes -= bytes;
  budget.taken++;
  return true;
}

/** The leading entries that fit the budget (taking them from it). */
export function withinBudget<T extends { fields: FieldList | null }>(budget: ReplyBudget, entries: T[]): T[] {
  let n = 0;
  while (n < entries.length && spend(budget, entries[n]!.fields ?? [])) n++;
  return n === entries.length ? entries : entries.slice(0, n);
}
