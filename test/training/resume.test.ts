import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ArchSpec, StateDict } from '@repvgg/core';
import { writeSafetensors } from '@repvgg/core/weights/safetensors.file';
import { initStateDict } from '@repvgg/core/weights/init';
import { expandArch } from '@repvgg/core/arch/arch-spec';
import { trainLocally, type LocalTrainOptions } from '@repvgg/training/trainer/local-training';
import { loadLatestCheckpoint } from '@repvgg/training/checkpoint/checkpoint.store';
import { writeTinyIdx } from './tiny-idx.fixture';

const ARCH: ArchSpec = {
  name: 'tiny',
  numBlocks: [1, 2, 1, 1],
  widthMultiplier: [0.125, 0.125, 0.125, 0.125],
  overrideGroupsMap: {},
  numClasses: 4,
};

let root: string;
let data: string;

const options = (over: Partial<LocalTrainOptions>): LocalTrainOptions => ({
  dataset: { data },
  arch: ARCH,
  imageSize: 12,
  epochs: 2,
  globalBatch: 16,
  replicas: 2,
  lr: 0.1,
  warmupEpochs: 0.5,
  momentum: 0.9,
  weightDecay: 1e-4,
  nesterov: false,
  labelSmoothing: 0.1,
  padding: 1,
  flipProbability: 0.5,
  seed: 3,
  threads: 0,
  backend: 'cpu',
  resume: false,
  ...over,
});

function expectIdentical(a: StateDict, b: StateDict): void {
  expect([...b.keys()]).toEqual([...a.keys()]);
  for (const [key, t] of a) {
    expect(b.get(key)?.data, key).toEqual(t.data);
  }
}

describe('local training checkpoints', () => {
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'resume-'));
    data = join(root, 'data');
    const { mkdir } = await import('node:fs/promises');
    await mkdir(data);
    await writeTinyIdx(data, { train: 80, test: 20, size: 12, classes: 4, seed: 1 });
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('resumes mid-epoch to bit-identical weights', async () => {
    const straight = await trainLocally(options({ checkpointDir: join(root, 'a') }));
    expect(straight.completed).toBe(true);
    expect(straight.history).toHaveLength(2);
    // The last epoch-end checkpoint holds the final weights, the same ones validation saw.
    const last = await loadLatestCheckpoint(join(root, 'a'));
    expect(last?.meta.cursor).toEqual({ epoch: 2, step: 0, globalStep: 10 });
    expectIdentical(straight.weights, last?.weights ?? new Map<string, never>());
    // An IDX dataset's one grayscale mean/std is recorded for each of the model's 3 input
    // channels; its images are resized whole to the input size, no crop.
    const { mean, std, resize, cropSize } = straight.preprocessing;
    expect({ resize, cropSize }).toEqual({ resize: 12, cropSize: 12 });
    expect(mean).toEqual(new Array(3).fill(straight.source.stats?.mean[0]));
    expect(std).toEqual(new Array(3).fill(straight.source.stats?.std[0]));

    const controller = new AbortController();
    let steps = 0;
    const stopped = await trainLocally(
      options({
        checkpointDir: join(root, 'b'),
        signal: controller.signal,
        hooks: {
          onStep: () => {
            if (++steps === 7) controller.abort();
          },
        },
      }),
    );
    expect(stopped.completed).toBe(false);
    const ckpt = await loadLatestCheckpoint(join(root, 'b'));
    // 5 steps per epoch (80 / 16): the 7th step is step 1 of epoch 1
    expect(ckpt?.meta.cursor).toEqual({ epoch: 1, step: 2, globalStep: 7 });
    expect(ckpt?.meta.history).toHaveLength(1);

    const resumed = await trainLocally(options({ checkpointDir: join(root, 'b'), resume: true }));
    expect(resumed.completed).toBe(true);
    expectIdentical(straight.weights, resumed.weights);
    const init = initStateDict(expandArch({ ...ARCH, numClasses: 4 }), 3);
    expect(resumed.weights.get('stage1.0.rbr_dense.conv.weight')?.data).not.toEqual(
      init.get('stage1.0.rbr_dense.conv.weight')?.data,
    );
    expect(resumed.history[1]?.val?.images).toBe(20);
    expect(resumed.history).toHaveLength(2);
    expect(resumed.weights.get('stage0.rbr_dense.bn.num_batches_tracked')?.data).toEqual(
      BigInt64Array.of(10n),
    );
  });

  it('fine-tunes from a checkpoint with another class count, head re-initialized', async () => {
    const source = expandArch({ ...ARCH, numClasses: 7 });
    const sd = initStateDict(source, 9);
    const prefixed: StateDict = new Map([...sd].map(([k, t]) => [`module.${k}`, t]));
    const file = join(root, 'pretrained.safetensors');
    await writeSafetensors(file, prefixed);
    const tuned = await trainLocally(
      options({ initFrom: file, epochs: 1, lr: 1e-9, weightDecay: 0 }),
    );
    expect(tuned.weights.get('linear.weight')?.shape).toEqual([4, 64]);
    const before = sd.get('stage1.0.rbr_dense.conv.weight')?.data as Float32Array;
    const after = tuned.weights.get('stage1.0.rbr_dense.conv.weight')?.data as Float32Array;
    after.forEach((v, i) => {
      expect(v).toBeCloseTo(before[i] ?? Number.NaN, 5);
    });
  });
});
