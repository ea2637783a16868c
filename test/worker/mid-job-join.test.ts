import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import type { JobView } from '@repvgg/contracts';
import { loadCheckpoint } from '@repvgg/training';
import { until, viewJob, type Harness } from '../coordinator/coordinator.harness';
import { bitIdentical, singleProcessWeights } from './reference-run';
import {
  createIdxJob,
  killAll,
  spawnWorker,
  startWorkerTestbed,
  TINY_JOB,
} from './worker-processes';

/** Long enough (64 steps) that the second worker arrives while the first is training. */
const SPEC = { ...TINY_JOB, epochs: 8, workers: { min: 1, max: 2 }, shardSteps: 2 } as const;
const STEPS = 64;

let h: Harness;
let dataDir = '';
const workers: ChildProcess[] = [];

const view = (id: string): Promise<JobView> => viewJob(h, id);

beforeAll(async () => {
  ({ h, dataDir } = await startWorkerTestbed('tiny-join', 64));
});

afterAll(async () => {
  await killAll(workers);
  await h.close();
});

describe('a worker that joins a running job', () => {
  it('enters a new generation at a step boundary; the weights are those of one process', async () => {
    workers.push(spawnWorker(h, 'inherit'));
    const id = await createIdxJob(h, SPEC, dataDir);
    await until(
      async () => (await view(id)).progress.completedSteps >= 2,
      'the first steps on one worker',
      60_000,
    );
    workers.push(spawnWorker(h, 'inherit'));
    await until(async () => (await view(id)).state === 'succeeded', 'success', 120_000);

    const done = await view(id);
    expect(done.progress).toMatchObject({ completedSteps: STEPS, totalSteps: STEPS });
    // One worker first, then both: the join re-formed the ring without restarting the job.
    expect(done.workerHistory[0]?.workers).toBe(1);
    expect(done.workerHistory.at(-1)?.workers).toBe(2);

    // Deterministic mode: a lost, repeated or mis-ordered step, or a newcomer that started from a
    // different state, would change the bits.
    const final = await loadCheckpoint(join(h.artifacts, 'jobs', id, 'final-checkpoint'));
    expect(bitIdentical(final.weights, await singleProcessWeights(dataDir, SPEC))).toEqual([]);
  });
});
