import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InvalidBatchLayoutError } from './dataset.error';
import { EpochOrder, epochPermutation } from './sample-order';

describe('epochPermutation', () => {
  it('is a permutation, fixed by (seed, epoch), different across epochs and seeds', () => {
    const p = epochPermutation(1000, 5, 0);
    expect([...p].sort((a, b) => a - b)).toEqual(Array.from({ length: 1000 }, (_, i) => i));
    expect(epochPermutation(1000, 5, 0)).toEqual(p);
    expect(epochPermutation(1000, 5, 1)).not.toEqual(p);
    expect(epochPermutation(1000, 6, 0)).not.toEqual(p);
  });
});

describe('EpochOrder', () => {
  it('step s, replica v take positions (s·V + v)·B/V … +B/V of the permutation', () => {
    const order = new EpochOrder(100, 9, 2, 12, 4);
    const perm = epochPermutation(100, 9, 2);
    expect(order.steps).toBe(8);
    expect(order.microBatch).toBe(3);
    expect([...order.samples(5, 2)]).toEqual([...perm.subarray(66, 69)]);
  });

  it('property: each sample at most once per epoch, exactly once among the full steps', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 400 }),
        fc.integer({ min: 1, max: 8 }),
        fc.integer({ min: 1, max: 16 }),
        fc.nat(1000),
        fc.nat(50),
        (size, replicas, perReplica, seed, epoch) => {
          const order = new EpochOrder(size, seed, epoch, replicas * perReplica, replicas);
          const seen = new Uint8Array(size);
          for (let s = 0; s < order.steps; s++) {
            for (let v = 0; v < replicas; v++) for (const i of order.samples(s, v)) seen[i]++;
          }
          const used = seen.reduce((a, b) => a + b, 0);
          expect(Math.max(0, ...seen)).toBeLessThanOrEqual(1);
          expect(used).toBe(order.steps * replicas * perReplica);
          expect(size - used).toBeLessThan(replicas * perReplica);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('refuses a global batch not divisible by the replicas, and out-of-range steps', () => {
    expect(() => new EpochOrder(100, 0, 0, 10, 4)).toThrow(InvalidBatchLayoutError);
    const order = new EpochOrder(100, 0, 0, 8, 4);
    expect(() => order.samples(12, 0)).toThrow(RangeError);
    expect(() => order.samples(0, 4)).toThrow(RangeError);
  });
});
