import { InvalidArgumentError } from 'commander';
import { describe, expect, it } from 'vitest';
import { nonNegativeInt, positiveInt } from './option-parsers';

describe('option parsers', () => {
  it('accepts plain decimal integers', () => {
    expect(positiveInt('10')).toBe(10);
    expect(nonNegativeInt('0')).toBe(0);
    expect(nonNegativeInt(' 42 ')).toBe(42);
  });

  it.each(['0', '-3', '1.5', 'abc', '', '1e3', '0x10', '99999999999999999999'])(
    'rejects %j as a positive integer',
    (v) => {
      expect(() => positiveInt(v)).toThrow(InvalidArgumentError);
    },
  );

  it.each(['-1', '2.5', 'seed'])('rejects %j as a non-negative integer', (v) => {
    expect(() => nonNegativeInt(v)).toThrow(InvalidArgumentError);
  });
});
