import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { withWorkerCount, type WorkerHistory } from './worker-history';

describe('withWorkerCount', () => {
  it('records changes of the count only', () => {
    let h: WorkerHistory = [];
    for (const [generation, workers] of [
      [1, 3],
      [2, 3],
      [3, 2],
      [4, 2],
      [5, 3],
    ] as const) {
      h = withWorkerCount(h, { generation, workers });
    }
    expect(h).toEqual([
      { generation: 1, workers: 3 },
      { generation: 3, workers: 2 },
      { generation: 5, workers: 3 },
    ]);
  });

  it('stays bounded however many generations come, keeping the latest', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 4 }), { maxLength: 400 }), (counts) => {
        let h: WorkerHistory = [];
        counts.forEach((workers, generation) => {
          h = withWorkerCount(h, { generation, workers }, 10);
        });
        expect(h.length).toBeLessThanOrEqual(10);
        if (counts.length > 0) expect(h.at(-1)?.workers).toBe(counts.at(-1));
        h.slice(1).forEach((e, i) => {
          expect(e.workers).not.toBe(h[i]?.workers);
        });
      }),
    );
  });
});
