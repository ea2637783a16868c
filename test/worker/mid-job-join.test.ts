import { describe, it, expect } from 'vitest';
import { join } from 'node:path';
import { loadCheckpoint } from '@repvgg/training';
import { until } from '../coordinator/coordinator.harness';
import { bitIdentical, singleProcessWeights } from './reference-run';
import { createIdxJob, TINY_JOB, workerTestbed } from './worker-processes';

/** Long enough (64 steps) that the second worker arrives while the first is training. */
const SPEC = { ...TINY_JOB, epochs: 8, workers: { min: 1, max: 2 }, shardSteps: 2 } as const;
const STEPS = 64;

const bed = workerTestbed('tiny-join', 64);
const view = bed.view;

describe('a worker that joins a running job', () => {
  it('enters a new generation at a step boundary; the weights are those of one process', async () => {
    bed.spawn();
    const id = await createIdxJob(bed.h, SPEC, bed.dataDir);
    await until(
      async () => (await view(id)).progress.completedSteps >= 2,
      'the first steps on one worker',
      60_000,
    );
    bed.spawn();
    await until(async () => (await view(id)).state === 'succeeded', 'success', 120_000);

    const done = await view(id);
    expect(done.progress).toMatchObject({ completedSteps: STEPS, totalSteps: STEPS });
    // One worker first, then both: the join re-formed the ring without restarting the job.
    expect(done.workerHistory[0]?.workers).toBe(1);
    expect(done.workerHistory.at(-1)?.workers).toBe(2);

    // Deterministic mode: a lost, repeated or mis-ordered step, or a newcomer that started from a
    // different state, would change the bits.
    const final = await loadCheckpoint(join(bed.h.artifacts, 'jobs', id, 'final-checkpoint'));
    expect(bitIdentical(final.weights, await singleProcessWeights(bed.dataDir, SPEC))).toEqual([]);
  });
});
