import { InvalidArgumentError } from 'commander';
import { describe, expect, it } from 'vitest';
import { nonNegativeInt, positiveInt, probability } from './option-parsers';

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

  it('takes probabilities from 0 to 1 and nothing else', () => {
    expect(probability('0')).toBe(0);
    expect(probability('0.5')).toBe(0.5);
    expect(probability('1')).toBe(1);
    for (const v of ['-0.1', '1.01', '', 'half', 'NaN']) {
      expect(() => probability(v)).toThrow(InvalidArgumentError);
    }
  });
});
