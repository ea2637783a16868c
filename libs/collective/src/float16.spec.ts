import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { HALF_TO_FLOAT, toHalfBits } from './float16';

describe('float16', () => {
  it('encodes known values exactly', () => {
    expect(toHalfBits(0)).toBe(0x0000);
    expect(toHalfBits(-0)).toBe(0x8000);
    expect(toHalfBits(1)).toBe(0x3c00);
    expect(toHalfBits(-2)).toBe(0xc000);
    expect(toHalfBits(65504)).toBe(0x7bff);
    expect(toHalfBits(65520)).toBe(0x7c00);
    expect(toHalfBits(Infinity)).toBe(0x7c00);
    expect(toHalfBits(2 ** -24)).toBe(0x0001);
    expect(toHalfBits(2 ** -26)).toBe(0x0000);
    expect(Number.isNaN(HALF_TO_FLOAT[toHalfBits(NaN)])).toBe(true);
  });

  it('round-trips every half value', () => {
    for (let bits = 0; bits < 0x10000; bits++) {
      const v = HALF_TO_FLOAT[bits];
      if (Number.isNaN(v)) continue;
      if (toHalfBits(v) !== bits) throw new Error(`half ${bits.toString(16)} did not round-trip`);
    }
  });

  it('rounds to the nearest half, ties to even', () => {
    expect(toHalfBits(1 + 2 ** -11)).toBe(0x3c00);
    expect(toHalfBits(1 + 3 * 2 ** -11)).toBe(0x3c02);
    fc.assert(
      fc.property(fc.float({ min: -60000, max: 60000, noNaN: true }), (x) => {
        const y = HALF_TO_FLOAT[toHalfBits(x)];
        const spacing = Math.max(2 ** -24, 2 ** (Math.floor(Math.log2(Math.abs(x) || 1)) - 10));
        return Math.abs(y - x) <= spacing / 2 + 1e-12;
      }),
    );
  });
});
