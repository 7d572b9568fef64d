import { describe, expect, it } from 'vitest';
import { MAX_ID, formatId, makeId, parseAddId, parseId, parseRangeBound, parseU64, U64_MAX } from '../../src/domain/ids.js';

describe('stream IDs', () => {
  it('round-trips the full unsigned 64-bit range of both parts', () => {
    const text = '18446744073709551615-18446744073709551615';
    expect(parseId(text)).toBe(MAX_ID);
    expect(formatId(MAX_ID)).toBe(text);
    expect(formatId(makeId(U64_MAX, 0n))).toBe('18446744073709551615-0');
  });

  it('refuses values beyond 64 bits, signs and junk', () => {
    for (const bad of ['18446744073709551616-0', '0-18446744073709551616', '-1', '+1', '1-', '-', 'a-1', '1-2-3', '', ' 1', '1.5']) {
      expect(parseId(bad), bad).toBeUndefined();
    }
    expect(parseU64('00012')).toBe(12n);
  });

  it('parses every length up to 20 digits exactly, on both sides of the 15 that fit a double', () => {
    expect(parseU64('999999999999999')).toBe(999_999_999_999_999n);
    expect(parseU64('9007199254740993')).toBe(9_007_199_254_740_993n);
    expect(parseU64('00000000000000000001')).toBe(1n);
    expect(parseU64('18446744073709551615')).toBe(U64_MAX);
    expect(parseU64('000000000000000000001')).toBeUndefined();
    for (const bad of ['', '1a', '١', '1 ', '+1', '1e3', '0x10']) expect(parseU64(bad), bad).toBeUndefined();
  });

  it('fills an incomplete ID with the given sequence', () => {
    expect(formatId(parseId('5')!)).toBe('5-0');
    expect(formatId(parseId('5', U64_MAX)!)).toBe('5-18446744073709551615');
  });

  it('parses range bounds with -, +, ( and incomplete IDs', () => {
    expect(parseRangeBound('-', 'start')).toEqual({ id: 0n, exclusive: false });
    expect(parseRangeBound('+', 'end')).toEqual({ id: MAX_ID, exclusive: false });
    expect(parseRangeBound('(5', 'start')).toEqual({ id: makeId(5n, 0n), exclusive: true });
    expect(parseRangeBound('7', 'end')).toEqual({ id: makeId(7n, U64_MAX), exclusive: false });
    expect(parseRangeBound('(', 'start')).toBeUndefined();
  });

  it('parses XADD IDs', () => {
    expect(parseAddId('*')).toEqual({ kind: 'auto' });
    expect(parseAddId('12-*')).toEqual({ kind: 'auto-seq', ms: 12n });
    expect(parseAddId('12-3')).toEqual({ kind: 'explicit', id: makeId(12n, 3n) });
    expect(parseAddId('x-*')).toBeUndefined();
  });
});
