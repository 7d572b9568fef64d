import { describe, expect, it } from 'vitest';
import { fieldsToWire } from '../../../src/http/wire/fields.js';

describe('fieldsToWire', () => {
  it('pairs keep every field in order, repeats included', () => {
    expect(fieldsToWire(['b', '1', 'a', '2', 'b', '3'], 'pairs')).toEqual([
      ['b', '1'],
      ['a', '2'],
      ['b', '3'],
    ]);
  });

  it('an object keeps the last value of a repeated name, and a field called __proto__ as a field', () => {
    const object = fieldsToWire(['b', '1', '__proto__', 'x', 'b', '3'], 'object') as Record<string, string>;
    expect(Object.getPrototypeOf(object)).toBeNull();
    expect(Object.entries(object)).toEqual([
      ['b', '3'],
      ['__proto__', 'x'],
    ]);
    expect(JSON.stringify(object)).toBe('{"b":"3","__proto__":"x"}');
  });
});
