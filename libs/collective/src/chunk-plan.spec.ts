import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ChunkPlan } from './chunk-plan';

describe('ChunkPlan', () => {
  it('tiles the buffer exactly once, for any length, N and chunk size', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 5000 }),
        fc.integer({ min: 1, max: 9 }),
        fc.integer({ min: 1, max: 700 }),
        (length, n, chunk) => {
          const plan = new ChunkPlan(length, n, chunk);
          const covered = new Uint8Array(length);
          for (let s = 0; s < n; s++) {
            for (let c = 0; c < plan.chunksPerSegment; c++) {
              const span = plan.chunk(s, c);
              expect(span.end - span.start).toBeLessThanOrEqual(chunk);
              for (let i = span.start; i < span.end; i++) covered[i]++;
            }
          }
          return covered.every((k) => k === 1);
        },
      ),
    );
  });

  it('balances segments within one element and wraps negative segment indices', () => {
    const plan = new ChunkPlan(10, 4, 100);
    expect(plan.segments.map((s) => s.end - s.start)).toEqual([2, 3, 2, 3]);
    expect(plan.chunk(-1, 0)).toEqual(plan.chunk(3, 0));
  });
});
