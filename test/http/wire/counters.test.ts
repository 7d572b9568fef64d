import { describe, expect, it } from 'vitest';
import { counterToWire } from '../../../src/http/wire/counters.js';

describe('counterToWire', () => {
  it('answers core counters as JSON numbers, null staying null', () => {
    expect(counterToWire(0n)).toBe(0);
    expect(counterToWire(BigInt(Number.MAX_SAFE_INTEGER))).toBe(Number.MAX_SAFE_INTEGER);
    expect(counterToWire(null)).toBeNull();
  });
});
