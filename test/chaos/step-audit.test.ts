import { describe, expect, it } from 'vitest';
import { EpochOrder, digestSamples, formatDigest } from '@repvgg/training';
import {
  StepHistory,
  auditSteps,
  type CommittedStep,
  type SampleLayout,
} from '../../bench/chaos/step-audit';

const LAYOUT: SampleLayout = { size: 50, seed: 3, globalBatch: 8, replicas: 4, epochs: 2 };

/** The steps a faultless job commits, each with the digest its replicas' micro-batches give. */
function faultless(): CommittedStep[] {
  const out: CommittedStep[] = [];
  for (let epoch = 0; epoch < LAYOUT.epochs; epoch++) {
    const order = new EpochOrder(
      LAYOUT.size,
      LAYOUT.seed,
      epoch,
      LAYOUT.globalBatch,
      LAYOUT.replicas,
    );
    for (let step = 0; step < order.steps; step++) {
      const samples = [0, 1, 2, 3].flatMap((v) => [...order.samples(step, v)]);
      const at = new Date(Date.UTC(2025, 0, 1, 0, 0, epoch * 10 + step)).toISOString();
      out.push({ epoch, step, at, samplesDigest: formatDigest(digestSamples(samples)) });
    }
  }
  return out;
}

describe('auditSteps', () => {
  it('passes the steps of a faultless run and counts the dropped tail', () => {
    const r = auditSteps(faultless(), LAYOUT);
    expect(r.exactlyOnce).toEqual({ ok: true, committed: 12, problems: [] });
    expect(r.samples.ok).toBe(true);
    expect(r.samples.epochs.map((e) => [e.steps, e.samples, e.droppedTail])).toEqual([
      [6, 48, 2],
      [6, 48, 2],
    ]);
  });

  it('finds a step committed twice, a lost step and a step out of order', () => {
    const steps = faultless();
    const twice = [
      ...steps.slice(0, 4),
      { ...steps[3], at: '2025-01-01T01:00:00.000Z' },
      ...steps.slice(4),
    ];
    expect(auditSteps(twice, LAYOUT).exactlyOnce.ok).toBe(false);
    expect(auditSteps(twice, LAYOUT).samples.ok).toBe(false);
    const lost = steps.filter((_, i) => i !== 7);
    expect(auditSteps(lost, LAYOUT).exactlyOnce.problems[0]).toMatch(/commit #7 is epoch 1 step 2/);
    const swapped = [...steps];
    [swapped[2], swapped[3]] = [swapped[3], swapped[2]];
    expect(auditSteps(swapped, LAYOUT).exactlyOnce.ok).toBe(false);
  });

  it('finds a step whose replicas consumed other samples (one replica twice, another never)', () => {
    const steps = faultless();
    const order = new EpochOrder(LAYOUT.size, LAYOUT.seed, 0, LAYOUT.globalBatch, LAYOUT.replicas);
    const wrong = [0, 1, 1, 3].flatMap((v) => [...order.samples(2, v)]);
    steps[2] = { ...steps[2], samplesDigest: formatDigest(digestSamples(wrong)) };
    const r = auditSteps(steps, LAYOUT);
    expect(r.exactlyOnce.ok).toBe(true);
    expect(r.samples.ok).toBe(false);
    expect(r.samples.problems[0]).toMatch(/epoch 0 step 2: digest/);
  });

  it('merges overlapping readings of the newest steps into one history', () => {
    const steps = faultless();
    const h = new StepHistory();
    expect(h.add(steps.slice(0, 5))).toHaveLength(5);
    expect(h.add(steps.slice(2, 9))).toEqual(steps.slice(5, 9));
    h.add(steps.slice(6));
    expect(h.steps).toEqual(steps);
  });
});
