import { describe, it, expect } from 'vitest';
import { learningRate } from './cosine.schedule';

describe('learningRate', () => {
  it('anneals from base to 0 along a cosine without warm-up', () => {
    const s = { baseLr: 0.1, totalSteps: 100, warmupSteps: 0 };
    expect(learningRate(s, 0)).toBeCloseTo(0.1, 9);
    expect(learningRate(s, 50)).toBeCloseTo(0.05, 9);
    expect(learningRate(s, 25)).toBeCloseTo((0.1 * (1 + Math.SQRT1_2)) / 2, 9);
    expect(learningRate(s, 100)).toBeCloseTo(0, 9);
  });

  it('warms up linearly, then starts the cosine at base', () => {
    const s = { baseLr: 0.4, totalSteps: 110, warmupSteps: 10 };
    expect(learningRate(s, 0)).toBeCloseTo(0.04, 9);
    expect(learningRate(s, 4)).toBeCloseTo(0.2, 9);
    expect(learningRate(s, 9)).toBeCloseTo(0.4, 9);
    expect(learningRate(s, 10)).toBeCloseTo(0.4, 9);
    expect(learningRate(s, 60)).toBeCloseTo(0.2, 9);
  });
});
