import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { jobRecordSchema, type JobRecord, type JobState } from '@repvgg/contracts';
import { autoscalePlan } from './autoscale-plan';

interface Job {
  id: string;
  state?: JobState;
  priority?: number;
  min: number;
  max: number;
  /** seconds after an arbitrary epoch */
  at?: number;
}

const record = (j: Job): JobRecord =>
  jobRecordSchema.parse({
    id: j.id,
    spec: {
      dataset: { source: 'idx', path: '/data/x' },
      virtualReplicas: 64,
      globalBatch: 256,
      priority: j.priority ?? 0,
      workers: { min: j.min, max: j.max },
    },
    state: j.state ?? 'running',
    reason: '',
    createdAt: new Date(Date.UTC(2025, 0, 1, 0, 0, j.at ?? 0)).toISOString(),
    updatedAt: new Date(Date.UTC(2025, 0, 1)).toISOString(),
    dataset: null,
    progress: { epoch: 0, stepsPerEpoch: 0, committedSteps: 0, totalSteps: 0, completedSteps: 0 },
    latestMetrics: null,
    epochResults: [],
    generation: 0,
    workers: [],
    workerHistory: [],
    latestCheckpoint: null,
  });

const plan = (jobs: Job[], cap: number) => autoscalePlan(jobs.map(record), cap);
const shares = (jobs: Job[], cap: number) =>
  Object.fromEntries(plan(jobs, cap).jobs.map((j) => [j.id, j.workers]));

describe('autoscalePlan', () => {
  it('wants no workers without runnable jobs', () => {
    expect(plan([], 8)).toEqual({ desiredWorkers: 0, maxWorkers: 8, jobs: [] });
    const done: Job[] = (['finalizing', 'succeeded', 'failed', 'cancelled'] as const).map(
      (state, i) => ({ id: `j${i}`, state, min: 1, max: 4 }),
    );
    expect(plan(done, 8).desiredWorkers).toBe(0);
  });

  it('wants each queued, preparing or running job at its maximum when the cap allows', () => {
    const jobs: Job[] = [
      { id: 'a', state: 'queued', min: 1, max: 3 },
      { id: 'b', state: 'preparing', min: 2, max: 2 },
      { id: 'c', state: 'running', min: 1, max: 4 },
    ];
    expect(plan(jobs, 64).desiredWorkers).toBe(9);
  });

  it('caps at the maximum: minimums by priority first, then top-ups by priority', () => {
    const jobs: Job[] = [
      { id: 'low', priority: 0, min: 2, max: 3 },
      { id: 'high', priority: 5, min: 2, max: 4 },
    ];
    const p = plan(jobs, 5);
    expect(p.desiredWorkers).toBe(5);
    expect(p.jobs.map((j) => [j.id, j.workers])).toEqual([
      ['high', 3],
      ['low', 2],
    ]);
  });

  it('gives none to a job whose minimum does not fit, and lets a smaller one after it fit', () => {
    const jobs: Job[] = [
      { id: 'first', priority: 9, min: 2, max: 2 },
      { id: 'big', priority: 5, min: 4, max: 4 },
      { id: 'small', priority: 1, min: 1, max: 2 },
    ];
    expect(shares(jobs, 5)).toEqual({ first: 2, big: 0, small: 2 });
    expect(plan(jobs, 5).desiredWorkers).toBe(4);
  });

  it('breaks priority ties by age', () => {
    const jobs: Job[] = [
      { id: 'newer', min: 2, max: 2, at: 10 },
      { id: 'older', min: 2, max: 2, at: 1 },
    ];
    expect(shares(jobs, 3)).toEqual({ older: 2, newer: 0 });
  });

  it('never exceeds the cap or a job range, and uses the cap when jobs want more', () => {
    const job = fc
      .record({
        priority: fc.integer({ min: -3, max: 3 }),
        min: fc.integer({ min: 1, max: 6 }),
        extra: fc.integer({ min: 0, max: 6 }),
        at: fc.integer({ min: 0, max: 50 }),
      })
      .map(({ extra, ...j }) => ({ ...j, max: j.min + extra }));
    fc.assert(
      fc.property(fc.array(job, { maxLength: 8 }), fc.integer({ min: 1, max: 30 }), (js, cap) => {
        const jobs = js.map((j, i) => ({ ...j, id: `j${i}` }));
        const p = plan(jobs, cap);
        expect(p.desiredWorkers).toBeLessThanOrEqual(cap);
        expect(p.desiredWorkers).toBe(p.jobs.reduce((s, j) => s + j.workers, 0));
        for (const j of p.jobs) {
          expect(j.workers === 0 || (j.workers >= j.min && j.workers <= j.max)).toBe(true);
        }
        const wanted = jobs.reduce((s, j) => s + j.max, 0);
        if (wanted <= cap) expect(p.desiredWorkers).toBe(wanted);
        // the first job in priority order always gets its minimum when it fits under the cap
        const first = p.jobs.at(0);
        if (first !== undefined && first.min <= cap) expect(first.workers).toBeGreaterThan(0);
      }),
    );
  });
});
