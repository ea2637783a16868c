import { copyFileSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { expandArch, initStateDict, readWeightsFile, resolveArch } from '@repvgg/core';
import { loadCheckpoint } from '@repvgg/training';
import { until } from '../coordinator/coordinator.harness';
import { bitIdentical, singleProcessWeights } from './reference-run';
import { createIdxJob, listWorkers, TINY_JOB, workerTestbed } from './worker-processes';

/**
 * A job's `initialCheckpoint` is a source of starting weights (fine-tuning), whatever cursor it was
 * saved at: a finished job's final checkpoint or an official-structure PyTorch .pth in the store.
 */
const FIXTURES = join(__dirname, '../fixtures/torch');
const SPEC = { ...TINY_JOB, epochs: 1, workers: { min: 1, max: 1 }, shardSteps: 2 } as const;

const bed = workerTestbed('tiny', 24);

const finished = async (id: string): Promise<void> => {
  await until(
    async () => ['succeeded', 'failed'].includes((await bed.view(id)).state),
    `job ${id} to finish`,
    90_000,
  );
  const done = await bed.view(id);
  expect(done.state, done.reason).toBe('succeeded');
  expect(done.progress.completedSteps).toBe(done.progress.totalSteps);
};

const finalCheckpoint = (id: string): ReturnType<typeof loadCheckpoint> =>
  loadCheckpoint(join(bed.h.artifacts, 'jobs', id, 'final-checkpoint'));

describe('initialCheckpoint with real worker processes', () => {
  it('starts a job at step 0 from a finished job’s final checkpoint: weights only, fresh optimizer', async () => {
    bed.spawn();
    await until(async () => (await listWorkers(bed.h)).length === 1, 'a registered worker', 30_000);

    const source = await createIdxJob(bed.h, SPEC, bed.dataDir);
    await finished(source);
    const sourceFinal = await finalCheckpoint(source);
    const steps = sourceFinal.meta.cursor.globalStep;
    expect(steps).toBeGreaterThan(0);

    const tuneSpec = {
      ...SPEC,
      seed: 11,
      optimizer: { lr: 0.02 },
      initialCheckpoint: `jobs/${source}/final-checkpoint`,
    };
    const tuned = await createIdxJob(bed.h, tuneSpec, bed.dataDir);
    await finished(tuned);
    const final = await finalCheckpoint(tuned);
    // Its own cursor from 0 (the source's steps are not counted) and its own epoch history.
    expect(final.meta.cursor.globalStep).toBe(steps);
    expect(final.meta.history.map((e) => e.epoch)).toEqual([0]);
    // Bit-identical to one process that starts from the source's weights with a fresh optimizer
    // and schedule: the first step ran on exactly those weights.
    const reference = await singleProcessWeights(
      bed.dataDir,
      tuneSpec,
      undefined,
      sourceFinal.weights,
    );
    expect(bitIdentical(final.weights, reference)).toEqual([]);
  }, 240_000);

  it('fine-tunes from an official-structure PyTorch .pth in the store, head re-initialized', async () => {
    const arch = JSON.parse(readFileSync(join(FIXTURES, 'repvgg-micro.arch.json'), 'utf8')) as {
      numBlocks: number[];
      widthMultiplier: number[];
      overrideGroupsMap: Record<string, number>;
    };
    mkdirSync(join(bed.h.artifacts, 'pretrained'), { recursive: true });
    copyFileSync(
      join(FIXTURES, 'repvgg-micro.pth'),
      join(bed.h.artifacts, 'pretrained', 'micro.pth'),
    );
    const spec = {
      ...SPEC,
      architecture: {
        numBlocks: arch.numBlocks,
        widthMultiplier: arch.widthMultiplier,
        overrideGroupsMap: arch.overrideGroupsMap,
      },
      // Small enough that the body stays where the .pth put it, to 1e-5.
      optimizer: { lr: 1e-7, weightDecay: 0 },
      initialCheckpoint: 'pretrained/micro.pth',
    };
    const id = await createIdxJob(bed.h, spec, bed.dataDir);
    await finished(id);
    const final = await finalCheckpoint(id);
    expect(final.meta.cursor.globalStep).toBe((await bed.view(id)).progress.totalSteps);

    const pth = (await readWeightsFile(join(FIXTURES, 'repvgg-micro.pth'))).tensors;
    const key = 'stage2.1.rbr_dense.conv.weight';
    const before = pth.get(key)?.data as Float32Array;
    const after = final.weights.get(key)?.data as Float32Array;
    expect(after).toHaveLength(before.length);
    after.forEach((v, i) => {
      expect(v).toBeCloseTo(before[i] ?? Number.NaN, 5);
    });
    // The .pth's head has 10 classes, the dataset 3: re-initialized from the job's seed.
    const micro = resolveArch({ archFile: join(FIXTURES, 'repvgg-micro.arch.json') });
    const init = initStateDict(expandArch({ ...micro.spec, numClasses: 3 }), SPEC.seed);
    expect(final.weights.get('linear.weight')?.shape).toEqual([3, micro.head.inFeatures]);
    const head = final.weights.get('linear.weight')?.data as Float32Array;
    const seededHead = init.get('linear.weight')?.data as Float32Array;
    head.forEach((v, i) => {
      expect(v).toBeCloseTo(seededHead[i] ?? Number.NaN, 5);
    });
  }, 240_000);
});
