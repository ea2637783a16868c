import { describe, expect, it } from 'vitest';
import { NonFiniteValueError } from './collective.error';
import {
  accumulateQuantized,
  dequantize,
  FRACTION_BITS,
  maxAbs,
  scaleExponent,
} from './fixed-point';

describe('fixed-point accumulation', () => {
  it('picks the smallest power of two above the maximum', () => {
    expect(scaleExponent(1)).toBe(1);
    expect(scaleExponent(0.75)).toBe(0);
    expect(scaleExponent(2 ** 20 - 1)).toBe(20);
    expect(scaleExponent(0)).toBe(0);
    expect(() => scaleExponent(Infinity)).toThrow(NonFiniteValueError);
  });

  it('reports Infinity for any NaN so every member fails alike', () => {
    expect(maxAbs([new Float32Array([1, -3])])).toBe(3);
    expect(maxAbs([new Float32Array([1]), new Float32Array([NaN])])).toBe(Infinity);
  });

  it('sums in any order to the same bits, within 2^-(FRACTION_BITS-1) of the max', () => {
    const parts = [
      new Float32Array([1e-3, -7.5, 3.25e-9]),
      new Float32Array([2.5, 1e-30, -1e-3]),
      new Float32Array([-0.1, 0.2, 0.3]),
    ];
    const e = scaleExponent(maxAbs(parts));
    const forward = new Float64Array(3);
    accumulateQuantized(parts, e, forward);
    const backward = new Float64Array(3);
    for (const p of [...parts].reverse()) accumulateQuantized([p], e, backward);
    expect(Array.from(backward)).toEqual(Array.from(forward));
    const out = new Float32Array(3);
    dequantize(forward, e, out);
    const exact = [0, 1, 2].map((i) => parts.reduce((s, p) => s + p[i], 0));
    out.forEach((v, i) => {
      expect(Math.abs(v - exact[i])).toBeLessThanOrEqual(
        Math.abs(exact[i]) * 2 ** -24 + 3 * 2 ** (e - FRACTION_BITS),
      );
    });
  });
});
