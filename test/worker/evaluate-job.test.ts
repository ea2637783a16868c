import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { evaluateBundle, reportMetricsSchema } from '../cli/evaluate.fixture';
import { until } from '../coordinator/coordinator.harness';
import { createIdxJob, listWorkers, TINY_JOB, workerTestbed } from './worker-processes';

const bed = workerTestbed('tiny-evaluate', 48);

describe('repvgg evaluate on a coordinator job', () => {
  it("reproduces the job's final validation exactly from the finalizer's bundle", async () => {
    bed.spawn();
    bed.spawn();
    await until(async () => (await listWorkers(bed.h)).length === 2, 'two workers', 30_000);
    const id = await createIdxJob(
      bed.h,
      { ...TINY_JOB, epochs: 1, workers: { min: 2, max: 2 }, shardSteps: 3 },
      bed.dataDir,
    );
    await until(async () => (await bed.view(id)).state === 'succeeded', 'success', 90_000);
    const last = (await bed.view(id)).epochResults.at(-1);
    const bundle = join(bed.h.artifacts, 'jobs', id, 'bundle');
    const report = reportMetricsSchema.parse(
      JSON.parse(readFileSync(join(bundle, 'report.json'), 'utf8')),
    );
    // 8×8 IDX images at an 8-pixel input: resized whole, no ⌊8/0.875⌋ crop.
    expect(report.preprocessing).toEqual({ resize: 8, cropSize: 8 });
    expect(evaluateBundle(bundle, bed.dataDir)).toEqual({
      top1: last?.top1,
      top5: last?.top5,
      loss: last?.valLoss,
      images: 16,
      split: 'test',
    });
  }, 150_000);
});
