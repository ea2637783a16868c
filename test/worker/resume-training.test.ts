import { describe, it, expect } from 'vitest';
import { join } from 'node:path';
import request from 'supertest';
import { jobRecordSchema } from '@repvgg/contracts';
import { loadCheckpoint } from '@repvgg/training';
import { AUTH, body, until } from '../coordinator/coordinator.harness';
import { bitIdentical, singleProcessWeights } from './reference-run';
import { createIdxJob, listWorkers, TINY_JOB, workerTestbed } from './worker-processes';

// 64 images at batch 8: 8 steps an epoch in shards of 2, a checkpoint after every shard (an
// epoch's last again at validation).
const SPEC = {
  ...TINY_JOB,
  epochs: 2,
  workers: { min: 1, max: 1 },
  shardSteps: 2,
  checkpointEvery: 1,
} as const;

const bed = workerTestbed('tiny', 64);

describe('resume with a real worker process', () => {
  it('ends a job cancelled after its first checkpoint and resumed with the weights of a run that never stopped', async () => {
    const worker = bed.spawn();
    await until(async () => (await listWorkers(bed.h)).length === 1, 'a registered worker', 30_000);
    const id = await createIdxJob(bed.h, SPEC, bed.dataDir);
    await until(
      async () => (await bed.view(id)).latestCheckpoint !== null,
      'the first checkpoint',
      60_000,
    );
    // Frozen, the worker cannot finish the job before the cancellation lands; it keeps its state,
    // one or more steps past the checkpoint, which the resumed run must not start from.
    worker.kill('SIGSTOP');
    try {
      await request(bed.h.url()).post(`/v1/jobs/${id}/cancel`).set(AUTH).expect(200);
    } finally {
      worker.kill('SIGCONT');
    }
    const cancelled = await bed.view(id);
    expect(cancelled.state).toBe('cancelled');
    expect(cancelled.progress.completedSteps).toBeLessThan(16);

    const resumed = body(
      jobRecordSchema,
      await request(bed.h.url()).post(`/v1/jobs/${id}/resume`).set(AUTH).expect(200),
    );
    expect(resumed.reason).toMatch(
      /^resumed from checkpoint checkpoints\/step-\d{8} \(epoch 0, step \d\)$/,
    );
    await until(async () => (await bed.view(id)).state === 'succeeded', 'success', 90_000);
    const done = await bed.view(id);
    expect(done.transitions.map((t) => t.to)).toContain('cancelled');
    expect(done.epochResults.map((e) => e.epoch)).toEqual([0, 1]);

    const trained = (await loadCheckpoint(join(bed.h.artifacts, 'jobs', id, 'final-checkpoint')))
      .weights;
    const reference = await singleProcessWeights(bed.dataDir, SPEC);
    expect(bitIdentical(trained, reference)).toEqual([]);
  });
});
