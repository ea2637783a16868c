import { describe, it, expect } from 'vitest';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expandArch, initStateDict } from '@repvgg/core';
import { loadCheckpoint } from '@repvgg/training';
import { until } from '../coordinator/coordinator.harness';
import { singleProcessValidation, singleProcessWeights, tinyArch } from './reference-run';
import { createIdxJob, exited, listWorkers, TINY_JOB, workerTestbed } from './worker-processes';

const SPEC = {
  ...TINY_JOB,
  epochs: 2,
  workers: { min: 2, max: 2 },
  shardSteps: 3,
} as const;

const bed = workerTestbed('tiny', 64);
const view = bed.view;

describe('distributed training with real worker processes', () => {
  it('trains a job on two workers to the same weights as one process, then drains them', async () => {
    const a = bed.spawn();
    const b = bed.spawn();
    await until(
      async () => (await listWorkers(bed.h)).length === 2,
      'two registered workers',
      30_000,
    );
    const id = await createIdxJob(bed.h, SPEC, bed.dataDir);
    await until(async () => (await view(id)).state === 'succeeded', 'success', 60_000);

    const done = await view(id);
    expect(done.progress).toMatchObject({ epoch: 2, completedSteps: 16, totalSteps: 16 });
    expect(done.epochResults.map((e) => e.epoch)).toEqual([0, 1]);
    expect(new Set(done.workerHistory.map((g) => g.workers))).toEqual(new Set([2]));

    const jobDir = join(bed.h.artifacts, 'jobs', id);
    const report = JSON.parse(readFileSync(join(jobDir, 'bundle', 'report.json'), 'utf8')) as {
      equivalence: { pass: boolean };
      files: Record<string, { sha256: string }>;
    };
    expect(report.equivalence.pass).toBe(true);
    expect(Object.keys(report.files).length).toBeGreaterThanOrEqual(3);
    for (const [name, entry] of Object.entries(report.files)) {
      const digest = createHash('sha256')
        .update(readFileSync(join(jobDir, 'bundle', name)))
        .digest('hex');
      expect(digest, name).toBe(entry.sha256);
    }

    // Drained before the reference run, which would block this process's coordinator for seconds.
    a.kill('SIGTERM');
    b.kill('SIGTERM');
    expect(await exited(a)).toBe(0);
    expect(await exited(b)).toBe(0);
    await until(async () => (await listWorkers(bed.h)).length === 0, 'the drained workers leaving');

    const final = await loadCheckpoint(join(jobDir, 'final-checkpoint'));
    const trained = final.weights;
    const reference = await singleProcessWeights(bed.dataDir, SPEC);
    expect([...trained.keys()].sort()).toEqual([...reference.keys()].sort());
    for (const [key, ref] of reference) {
      const got = trained.get(key);
      expect(got?.shape, key).toEqual(ref.shape);
      // Deterministic mode: bit-identical, however the replicas were spread over the workers.
      expect(
        Buffer.from(got!.data.buffer, got!.data.byteOffset, got!.data.byteLength).equals(
          Buffer.from(ref.data.buffer, ref.data.byteOffset, ref.data.byteLength),
        ),
        key,
      ).toBe(true);
    }
    // The leader validated on its compute threads: the metrics of `validate` on a main thread.
    const last = final.meta.history.at(-1)?.val;
    const local = await singleProcessValidation(bed.dataDir, SPEC, trained);
    expect(local.images).toBe(16);
    expect(last && [last.loss, last.top1, last.top5, last.images]).toEqual([
      local.loss,
      local.top1,
      local.top5,
      local.images,
    ]);
    // And training moved the weights: the comparison is not between two untouched inits.
    const init = initStateDict(expandArch(tinyArch(SPEC, 3)), SPEC.seed);
    const key = [...init.keys()].find((k) => k.endsWith('.weight'))!;
    expect(trained.get(key)!.data).not.toEqual(init.get(key)!.data);
  });
});
