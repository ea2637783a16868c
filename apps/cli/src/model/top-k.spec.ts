import { describe, expect, it } from 'vitest';
import { softmax, topK } from './top-k';

describe('softmax', () => {
  it('matches exp(x)/sum(exp(x)) and survives huge logits', () => {
    const p = softmax([1, 2, 3]);
    const e = [Math.exp(1), Math.exp(2), Math.exp(3)];
    const s = e[0] + e[1] + e[2];
    expect(p[0]).toBeCloseTo(e[0] / s, 12);
    expect(p[2]).toBeCloseTo(e[2] / s, 12);
    const big = softmax([1000, 1000]);
    expect(Array.from(big)).toEqual([0.5, 0.5]);
  });
});

describe('topK', () => {
  it('orders by probability, names classes and falls back to the index', () => {
    const top = topK([0.1, 3, -2, 3, 1], 3, ['cat', 'dog', 'eel']);
    expect(top.map((t) => t.index)).toEqual([1, 3, 4]);
    expect(top.map((t) => t.label)).toEqual(['dog', '3', '4']);
    expect(top[0].probability).toBeCloseTo(top[1].probability, 12);
    expect(top[0].probability).toBeGreaterThan(top[2].probability);
  });

  it('returns every class when k exceeds the class count', () => {
    expect(topK([0, 1], 5)).toHaveLength(2);
  });
});
