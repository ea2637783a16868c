import { describe, expect, it } from 'vitest';
import type { JobEvent } from '@repvgg/contracts/events/job-event.schema';
import { applyEvent, checkpointStep, emptySeries, markersOf } from './job-series';

const at = '2024-01-01T00:00:00.000Z';
const step = (epoch: number, s: number, loss: number): JobEvent => ({
  type: 'step',
  jobId: 'j',
  metrics: {
    epoch,
    step: s,
    loss,
    lr: 0.1,
    images: 8,
    seconds: 0.5,
    allreduceSeconds: 0.1,
    workers: 2,
    at,
  },
});
const generation = (g: number, workers: string[], reason: string): JobEvent => ({
  type: 'generation',
  jobId: 'j',
  generation: g,
  workers,
  reason,
});

describe('job series', () => {
  it('places steps at their global step and generation changes at the step they followed', () => {
    const s = emptySeries();
    for (const e of [
      generation(1, ['a', 'b'], 'workers joined'),
      step(0, 0, 2),
      step(0, 1, 1.5),
      generation(2, ['a'], 'worker b lost'),
      step(1, 0, 1.2),
    ])
      applyEvent(s, e, 4);
    expect(s.steps.x).toEqual([1, 2, 5]);
    expect(s.steps.imagesPerSecond).toEqual([16, 16, 16]);
    expect(s.generations.map((g) => [g.generation, g.kind, g.step, g.left])).toEqual([
      [1, 'join', 0, []],
      [2, 'leave', 2, ['b']],
    ]);
    expect(markersOf(s, [checkpointStep('checkpoints/step-00000004') ?? -1])).toEqual([
      { x: 2, kind: 'leave', label: 'g2' },
      { x: 4, kind: 'checkpoint', label: 'ckpt' },
    ]);
  });

  it('a failure reason marks a failure; a resumed job re-draws the steps after its checkpoint', () => {
    const s = emptySeries();
    for (const e of [step(0, 0, 3), step(0, 1, 2), step(0, 2, 1), step(0, 1, 2.5)])
      applyEvent(s, e, 4);
    expect(s.steps.x).toEqual([1, 2]);
    expect(s.steps.loss).toEqual([3, 2.5]);
    applyEvent(s, generation(3, ['a'], 'peer failure reported: boom'), 4);
    expect(s.generations[0]?.kind).toBe('failure');
  });
});
