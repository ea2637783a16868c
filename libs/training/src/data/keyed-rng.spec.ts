import { describe, expect, it } from 'vitest';
import { KeyedRng, RngStream } from './keyed-rng';

const draws = (rng: KeyedRng, n: number): number[] => Array.from({ length: n }, () => rng.uint32());

describe('KeyedRng', () => {
  it('gives the same stream for the same key, wherever it is created', () => {
    const a = draws(new KeyedRng(RngStream.augmentation, 42, 3, 1234), 16);
    const b = draws(new KeyedRng(RngStream.augmentation, 42, 3, 1234), 16);
    expect(a).toEqual(b);
  });

  it('gives unrelated streams for keys that differ in any word', () => {
    const base = draws(new KeyedRng(2, 42, 3, 1234), 8);
    for (const key of [
      [1, 42, 3, 1234],
      [2, 43, 3, 1234],
      [2, 42, 4, 1234],
      [2, 42, 3, 1235],
      [2, 42, 3, 1234 + 2 ** 32],
    ]) {
      const other = draws(new KeyedRng(...key), 8);
      expect(other.filter((x, i) => x === base[i])).toHaveLength(0);
    }
  });

  it('uses the high bits of seeds above 2^32', () => {
    expect(draws(new KeyedRng(2 ** 40), 4)).not.toEqual(draws(new KeyedRng(0), 4));
  });

  it('is uniform: chi-square of 16 bins over 64k floats stays below the 0.999 quantile', () => {
    const rng = new KeyedRng(7, 0, 0);
    const bins = new Array<number>(16).fill(0);
    const n = 65536;
    let lo = 1;
    let hi = 0;
    for (let i = 0; i < n; i++) {
      const x = rng.float();
      lo = Math.min(lo, x);
      hi = Math.max(hi, x);
      bins[Math.floor(x * 16)]++;
    }
    expect(lo).toBeGreaterThanOrEqual(0);
    expect(hi).toBeLessThan(1);
    const expected = n / 16;
    const chi2 = bins.reduce((s, b) => s + (b - expected) ** 2 / expected, 0);
    expect(chi2).toBeLessThan(37.7);
  });

  it('neighbouring sample keys are not correlated in their first draw', () => {
    const firsts = Array.from({ length: 4096 }, (_, i) => new KeyedRng(2, 1, 0, i).float());
    const mean = firsts.reduce((a, b) => a + b, 0) / firsts.length;
    let cov = 0;
    let varSum = 0;
    for (let i = 0; i + 1 < firsts.length; i++) {
      cov += (firsts[i] - mean) * (firsts[i + 1] - mean);
      varSum += (firsts[i] - mean) ** 2;
    }
    expect(Math.abs(cov / varSum)).toBeLessThan(0.05);
    expect(Math.abs(mean - 0.5)).toBeLessThan(0.02);
  });

  it('int(n) covers [0, n) and rejects bad bounds', () => {
    const rng = new KeyedRng(1);
    const seen = new Set<number>();
    for (let i = 0; i < 500; i++) seen.add(rng.int(7));
    expect([...seen].sort()).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(() => rng.int(0)).toThrow(RangeError);
    expect(() => new KeyedRng(-1)).toThrow(RangeError);
  });
});
