import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { makeId, MAX_ID, U64_MAX } from '../../../src/domain/ids.js';
import {
  addId,
  autoclaimStart,
  groupReadFrom,
  groupStart,
  INVALID_ID_PARAMS,
  messageId,
  rangeEnd,
  rangeStart,
  readAfter,
} from '../../../src/http/schemas/ids.js';

const MAX = '18446744073709551615-18446744073709551615';

function parsed<S extends z.ZodType>(schema: S, text: string): z.output<S> {
  const result = schema.safeParse(text);
  if (!result.success) throw new Error(`refused ${JSON.stringify(text)}: ${result.error.message}`);
  return result.data;
}

/** The one issue of a refused ID: marked INVALID_ID for the error handler, in Redis's words. */
function refusal(schema: z.ZodType, text: string): string {
  const result = schema.safeParse(text);
  expect(result.success).toBe(false);
  const issues = result.error!.issues;
  expect(issues).toHaveLength(1);
  expect((issues[0] as { params?: unknown }).params).toEqual(INVALID_ID_PARAMS);
  return issues[0]!.message;
}

describe('ID inputs', () => {
  it('messageId takes `<ms>-<seq>` and `<ms>` (seq 0), up to the largest ID', () => {
    expect(parsed(messageId, '5-3')).toBe(makeId(5n, 3n));
    expect(parsed(messageId, '5')).toBe(makeId(5n, 0n));
    expect(parsed(messageId, MAX)).toBe(MAX_ID);
  });

  it("refuses malformed IDs in Redis's words, quoting at most 64 characters", () => {
    expect(refusal(messageId, 'x')).toBe('Invalid stream ID specified as stream command argument ("x")');
    expect(refusal(messageId, '18446744073709551616')).toMatch(/^Invalid stream ID/);
    expect(refusal(messageId, '*')).toMatch(/^Invalid stream ID/);
    const long = '9'.repeat(100);
    expect(refusal(messageId, long)).toBe(`Invalid stream ID specified as stream command argument ("${'9'.repeat(64)}...")`);
  });

  it("addId takes XADD's `*`, `<ms>-*` and explicit IDs", () => {
    expect(parsed(addId, '*')).toEqual({ kind: 'auto' });
    expect(parsed(addId, '7-*')).toEqual({ kind: 'auto-seq', ms: 7n });
    expect(parsed(addId, '7-1')).toEqual({ kind: 'explicit', id: makeId(7n, 1n) });
    refusal(addId, '*-1');
    refusal(addId, 'x-*');
  });

  it('range bounds: `-` and `+`, incomplete IDs completed by side, `(` for exclusive', () => {
    expect(parsed(rangeStart, '-')).toEqual({ id: 0n, exclusive: false });
    expect(parsed(rangeEnd, '+')).toEqual({ id: MAX_ID, exclusive: false });
    expect(parsed(rangeStart, '5')).toEqual({ id: makeId(5n, 0n), exclusive: false });
    expect(parsed(rangeEnd, '5')).toEqual({ id: makeId(5n, U64_MAX), exclusive: false });
    expect(parsed(rangeStart, '(5-1')).toEqual({ id: makeId(5n, 1n), exclusive: true });
    refusal(rangeStart, '(-');
    refusal(rangeEnd, '(+');
  });

  it('the special IDs of each command: `$` for XREAD and XGROUP, `>` for XREADGROUP', () => {
    expect(parsed(readAfter, '$')).toBe('$');
    expect(parsed(readAfter, '3')).toBe(makeId(3n, 0n));
    expect(parsed(groupStart, '$')).toBe('$');
    expect(parsed(groupStart, '0')).toBe(0n);
    expect(parsed(groupReadFrom, '>')).toBe('>');
    expect(parsed(groupReadFrom, '0')).toBe(0n);
    refusal(readAfter, '>');
    refusal(groupStart, '>');
    refusal(groupReadFrom, '$');
  });

  it('autoclaimStart moves past an ID given with `(`, and refuses `(` before the largest ID as Redis does', () => {
    expect(parsed(autoclaimStart, '-')).toBe(0n);
    expect(parsed(autoclaimStart, '5-1')).toBe(makeId(5n, 1n));
    expect(parsed(autoclaimStart, '(5-1')).toBe(makeId(5n, 2n));
    expect(parsed(autoclaimStart, `(5-${U64_MAX}`)).toBe(makeId(6n, 0n));
    expect(refusal(autoclaimStart, `(${MAX}`)).toBe(`invalid start ID for the interval ("(${MAX}")`);
  });
});
