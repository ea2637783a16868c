import { describe, it, expect } from 'vitest';
import { cosineSchedule, learningRate } from './cosine.schedule';

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

  it('rounds a fractional warm-up to whole steps (a job spec and `repvgg train` alike)', () => {
    // Fashion-MNIST's preset: 0.5 epochs of 469 steps is 234.5; both paths warm up for 235 steps.
    const s = cosineSchedule(0.1, 10, 469, 0.5);
    expect(s).toEqual({ baseLr: 0.1, totalSteps: 4690, warmupSteps: 235 });
    expect(learningRate(s, 234)).toBeCloseTo(0.1, 12);
    expect(learningRate(s, 233)).toBeCloseTo((0.1 * 234) / 235, 12);
  });
});
