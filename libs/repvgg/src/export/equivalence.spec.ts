import { describe, expect, it } from 'vitest';
import { compareLogits } from './equivalence';

describe('compareLogits', () => {
  it('measures max|Δ| against max|y| of the reference and applies the 1e-5 relative bound', () => {
    const r = compareLogits([10, -20, 5], [10.0001, -20, 5]);
    expect(r.maxAbs).toBe(20);
    expect(r.maxAbsDiff).toBeCloseTo(1e-4, 10);
    expect(r.relative).toBeCloseTo(5e-6, 10);
    expect(r.bound).toBeCloseTo(2e-4, 12);
    expect(r.pass).toBe(true);
    expect(compareLogits([10, -20, 5], [10, -20.001, 5]).pass).toBe(false);
  });

  it('keeps a 1e-4 absolute floor for near-zero logits', () => {
    const r = compareLogits([0.01, -0.02], [0.01005, -0.02]);
    expect(r.bound).toBe(1e-4);
    expect(r.pass).toBe(true);
    expect(compareLogits([0.01, -0.02], [0.0102, -0.02]).pass).toBe(false);
  });

  it('fails on NaN and refuses batches of different sizes', () => {
    const r = compareLogits([1, 2], [1, NaN]);
    expect(r.pass).toBe(false);
    expect(r.maxAbsDiff).toBeNaN();
    expect(() => compareLogits([1, 2], [1])).toThrow(RangeError);
  });

  it('reports an exact match of all-zero logits as relative 0', () => {
    expect(compareLogits([0, 0], [0, 0])).toEqual({
      maxAbsDiff: 0,
      maxAbs: 0,
      relative: 0,
      bound: 1e-4,
      pass: true,
    });
  });
});
