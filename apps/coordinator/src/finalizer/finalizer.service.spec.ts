import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jobSpecSchema, noDecodeFailures, type JobRecord } from '@repvgg/contracts';
import { readBundle } from '@repvgg/core/export/bundle';
import { initStateDict } from '@repvgg/core/weights/init';
import { saveCheckpoint } from '@repvgg/training/checkpoint/checkpoint.store';
import { CHECKPOINT_FORMAT } from '@repvgg/training/checkpoint/checkpoint-meta';
import { encodeIdx } from '@repvgg/training/data';
import { ArtifactRepository } from '../repositories/artifact.repository';
import { FinalizerService } from './finalizer.service';
import { archForClasses } from '@repvgg/core/arch/arch-for-classes';

let base: string;
let artifacts: ArtifactRepository;
const tiny = {
  numBlocks: [1, 1, 1, 1] as [number, number, number, number],
  widthMultiplier: [0.125, 0.125, 0.125, 0.125] as [number, number, number, number],
};

beforeAll(() => {
  base = mkdtempSync(join(tmpdir(), 'finalizer-'));
  const data = join(base, 'data');
  mkdirSync(data);
  for (const [prefix, n] of [
    ['train', 12],
    ['t10k', 3],
  ] as const) {
    const pixels = new Uint8Array(n * 64).map((_, i) => (i * 31) % 256);
    writeFileSync(join(data, `${prefix}-images-idx3-ubyte`), encodeIdx([n, 8, 8], pixels));
    writeFileSync(
      join(data, `${prefix}-labels-idx1-ubyte`),
      encodeIdx(
        [n],
        new Uint8Array(n).map((_, i) => i % 2),
      ),
    );
  }
  artifacts = new ArtifactRepository(join(base, 'artifacts'));
});
afterAll(() => {
  rmSync(base, { recursive: true, force: true });
});

const record = (id: string, latestCheckpoint: string | null): JobRecord => ({
  id,
  spec: jobSpecSchema.parse({
    dataset: { source: 'idx', path: join(base, 'data') },
    architecture: tiny,
    imageSize: 8,
    globalBatch: 4,
    virtualReplicas: 2,
    workers: { max: 2 },
  }),
  state: 'finalizing',
  reason: '',
  createdAt: new Date(0).toISOString(),
  updatedAt: new Date(0).toISOString(),
  dataset: null,
  progress: { epoch: 1, stepsPerEpoch: 3, committedSteps: 0, totalSteps: 3, completedSteps: 3 },
  latestMetrics: null,
  epochResults: [
    {
      epoch: 0,
      valLoss: 1,
      top1: 0.25,
      top5: 1,
      imagesPerSecond: 1,
      at: new Date(0).toISOString(),
    },
  ],
  generation: 2,
  workers: [],
  workerHistory: [{ generation: 1, workers: 2 }],
  latestCheckpoint,
  decodeFailures: noDecodeFailures(),
});

async function checkpoint(jobId: string, classes: number): Promise<string> {
  const arch = archForClasses({ ...tiny, overrideGroupsMap: {} }, classes);
  const dir = await saveCheckpoint(join(await artifacts.jobDir(jobId), 'checkpoints'), {
    weights: initStateDict(arch, 1),
    momentum: new Map(),
    meta: {
      format: CHECKPOINT_FORMAT,
      arch: {},
      cursor: { epoch: 1, step: 0, globalStep: 3 },
      rng: { seed: 0 },
      optimizer: { momentum: 0.9, weightDecay: 1e-4, nesterov: false },
      schedule: { baseLr: 0.1, totalSteps: 3, warmupSteps: 0 },
      history: [],
      run: {},
    },
  });
  return `checkpoints/${dir.split('/').at(-1) ?? ''}`;
}

describe('FinalizerService', () => {
  const finalizer = (): FinalizerService => new FinalizerService(artifacts, 'test-version');

  it('writes the verified bundle with provenance and keeps the final checkpoint', async () => {
    const name = await checkpoint('ok', 2);
    const summary = await finalizer().run(record('ok', name));
    expect(summary).toBe('deploy bundle written; top-1 25.00%');
    const names = (await artifacts.list('ok')).map((a) => a.name);
    expect(names).toEqual(
      expect.arrayContaining([
        'bundle/report.json',
        'bundle/model.onnx',
        'final-checkpoint/state.json',
      ]),
    );
    const { report } = await readBundle(join(await artifacts.jobDir('ok'), 'bundle'));
    expect(report.metrics).toEqual({
      split: 'test',
      top1: 0.25,
      top5: 1,
      loss: 1,
      history: [{ epoch: 0, valLoss: 1, top1: 0.25, top5: 1, imagesPerSecond: 1 }],
    });
    expect(report.provenance.finalAccuracy).toEqual({ top1: 0.25, top5: 1 });
    // 8×8 IDX images are resized whole to the 8-pixel input, as validation did: no ⌊8/0.875⌋ crop.
    expect(report.preprocessing).toMatchObject({ resize: 8, cropSize: 8 });
  });

  it('refuses to finalize without a checkpoint', async () => {
    await expect(finalizer().run(record('none', null))).rejects.toThrow(/no training checkpoint/);
  });

  it('publishes nothing when the weights do not fit the architecture', async () => {
    const name = await checkpoint('mismatch', 5);
    await expect(finalizer().run(record('mismatch', name))).rejects.toThrow(/linear/);
    expect(existsSync(join(await artifacts.jobDir('mismatch'), 'bundle'))).toBe(false);
  });
});
