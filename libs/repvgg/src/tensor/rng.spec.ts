import { describe, expect, it } from 'vitest';
import { Rng } from './rng';

describe('Rng', () => {
  it('is deterministic per seed and differs across seeds', () => {
    const a = new Rng(7);
    const b = new Rng(7);
    const c = new Rng(8);
    const xs = Array.from({ length: 8 }, () => a.nextUint32());
    expect(Array.from({ length: 8 }, () => b.nextUint32())).toEqual(xs);
    expect(Array.from({ length: 8 }, () => c.nextUint32())).not.toEqual(xs);
    expect(xs.every((x) => Number.isInteger(x) && x >= 0 && x < 2 ** 32)).toBe(true);
  });

  it('separates seeds that differ only above 32 bits', () => {
    expect(new Rng(2 ** 32 + 5).nextUint32()).not.toBe(new Rng(5).nextUint32());
    expect(() => new Rng(0.5)).toThrow(RangeError);
  });

  it('gives uniform samples with the right moments', () => {
    const rng = new Rng(1);
    const n = 200_000;
    let sum = 0;
    let sq = 0;
    let lo = Infinity;
    let hi = -Infinity;
    for (let i = 0; i < n; i++) {
      const u = rng.uniform(-2, 3);
      sum += u;
      sq += u * u;
      lo = Math.min(lo, u);
      hi = Math.max(hi, u);
    }
    const mean = sum / n;
    expect(lo).toBeGreaterThanOrEqual(-2);
    expect(hi).toBeLessThan(3);
    expect(mean).toBeCloseTo(0.5, 1);
    expect(sq / n - mean * mean).toBeCloseTo(25 / 12, 1);
  });

  it('gives normal samples with the right moments and tails', () => {
    const rng = new Rng(2);
    const n = 200_000;
    let sum = 0;
    let sq = 0;
    let beyond2 = 0;
    for (let i = 0; i < n; i++) {
      const z = rng.normal(1, 2);
      sum += z;
      sq += z * z;
      if (Math.abs(z - 1) > 4) beyond2++;
    }
    const mean = sum / n;
    expect(mean).toBeCloseTo(1, 1);
    expect(Math.sqrt(sq / n - mean * mean)).toBeCloseTo(2, 1);
    // P(|Z| > 2) = 4.55 %.
    expect(beyond2 / n).toBeGreaterThan(0.043);
    expect(beyond2 / n).toBeLessThan(0.048);
  });

  it('draws unbiased integers in [0, n)', () => {
    const rng = new Rng(3);
    const counts = new Array<number>(6).fill(0);
    for (let i = 0; i < 60_000; i++) counts[rng.int(6)]++;
    for (const c of counts) expect(Math.abs(c - 10_000)).toBeLessThan(400);
    expect(() => rng.int(0)).toThrow(RangeError);
  });

  it('resumes the same stream from a saved state, including a pending normal', () => {
    const rng = new Rng(9);
    rng.normal();
    const saved = rng.state();
    const expected = [rng.normal(), rng.uniform(), rng.nextUint32()];
    const restored = Rng.fromState(JSON.parse(JSON.stringify(saved)) as number[]);
    expect([restored.normal(), restored.uniform(), restored.nextUint32()]).toEqual(expected);
  });
});
