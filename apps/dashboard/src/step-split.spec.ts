import { describe, expect, it } from 'vitest';
import type { JobEvent } from '@repvgg/contracts/events/job-event.schema';
import { applyEvent, emptySeries } from './job-series';
import { recentSplit } from './step-split';

const step = (s: number, split: boolean): JobEvent => ({
  type: 'step',
  jobId: 'j',
  metrics: {
    epoch: 0,
    step: s,
    loss: 1,
    lr: 0.1,
    images: 8,
    seconds: 1,
    allreduceSeconds: 0.2,
    workers: 2,
    at: '2024-01-01T00:00:00.000Z',
    ...(split
      ? { dataWaitSeconds: 0.1, computeSeconds: 0.6 + s, applySeconds: 0.1, commitSeconds: 0 }
      : {}),
  },
});

describe('step split', () => {
  it('is null until a step carries a split', () => {
    const s = applyEvent(emptySeries(), step(0, false), 10);
    expect(recentSplit(s.steps, 5)).toBeNull();
  });

  it('averages the last steps that carry one and shares add up to 1', () => {
    const s = emptySeries();
    for (const e of [step(0, false), step(1, true), step(2, true), step(3, true)]) {
      applyEvent(s, e, 10);
    }
    const parts = recentSplit(s.steps, 2);
    expect(parts?.map((p) => [p.phase, Number(p.seconds.toFixed(6))])).toEqual([
      ['dataWait', 0.1],
      ['compute', 3.1],
      ['allreduce', 0.2],
      ['apply', 0.1],
      ['commit', 0],
    ]);
    expect(parts?.reduce((a, p) => a + p.share, 0)).toBeCloseTo(1, 12);
  });
});
