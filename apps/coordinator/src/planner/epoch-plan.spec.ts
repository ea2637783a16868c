import { describe, it, expect } from 'vitest';
import { EpochOrder } from '@repvgg/training/data';
import { planEpoch, stepsPerEpoch } from './epoch-plan';

describe('stepsPerEpoch', () => {
  it('drops the tail exactly as the training sample order does', () => {
    for (const [size, batch] of [
      [1000, 256],
      [60_000, 256],
      [255, 256],
      [512, 8],
    ] as const) {
      expect(stepsPerEpoch(size, batch)).toBe(new EpochOrder(size, 1, 0, batch, 8).steps);
    }
  });
});

describe('planEpoch', () => {
  it('covers every step once in shards of K', () => {
    const { parent, shards } = planEpoch('j', 3, 10, 4);
    expect(parent).toEqual({ jobId: 'j', epoch: 3, stepsPerEpoch: 10 });
    expect(shards.map((s) => [s.shard, s.startStep, s.endStep])).toEqual([
      [0, 0, 4],
      [1, 4, 8],
      [2, 8, 10],
    ]);
  });
});
