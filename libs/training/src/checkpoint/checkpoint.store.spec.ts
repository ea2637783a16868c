import { describe, it, expect } from 'vitest';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { StateDict } from '@repvgg/core';
import { CHECKPOINT_FORMAT, type CheckpointMeta } from './checkpoint-meta';
import { loadLatestCheckpoint, saveCheckpoint, loadCheckpoint } from './checkpoint.store';
import { CheckpointError } from './checkpoint.error';

const meta = (globalStep: number): CheckpointMeta => ({
  format: CHECKPOINT_FORMAT,
  arch: { name: 'tiny' },
  cursor: { epoch: 1, step: 3, globalStep },
  rng: { seed: 42 },
  optimizer: { momentum: 0.9, weightDecay: 1e-4, nesterov: false },
  schedule: { baseLr: 0.1, totalSteps: 100, warmupSteps: 0 },
  history: [],
  run: { batch: 8 },
});

const weights = (v: number): StateDict =>
  new Map([
    ['linear.weight', { dtype: 'float32', shape: [2, 2], data: Float32Array.of(v, 0.1, -3e-8, 7) }],
    [
      'stage0.rbr_dense.bn.num_batches_tracked',
      { dtype: 'int64', shape: [], data: BigInt64Array.of(12n) },
    ],
  ]);

describe('checkpoint store', () => {
  it('round-trips weights, momentum and state exactly and keeps the newest two', async () => {
    const root = await mkdtemp(join(tmpdir(), 'ckpt-'));
    try {
      expect(await loadLatestCheckpoint(root)).toBeUndefined();
      for (const step of [10, 20, 30]) {
        await saveCheckpoint(root, {
          weights: weights(step),
          momentum: new Map([
            [
              'linear.weight',
              { dtype: 'float32', shape: [4, 1], data: Float32Array.of(step, 2, 3, 4) },
            ],
          ]),
          meta: meta(step),
        });
      }
      const ckpt = await loadLatestCheckpoint(root);
      expect(ckpt?.meta).toEqual(meta(30));
      expect(ckpt?.weights.get('linear.weight')?.data).toEqual(Float32Array.of(30, 0.1, -3e-8, 7));
      expect(ckpt?.weights.get('stage0.rbr_dense.bn.num_batches_tracked')?.data).toEqual(
        BigInt64Array.of(12n),
      );
      expect(ckpt?.momentum.get('linear.weight')?.shape).toEqual([4, 1]);
      expect((await readdir(root)).sort()).toEqual([
        'latest.json',
        'step-00000020',
        'step-00000030',
      ]);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });

  it('refuses a directory that is not a checkpoint', async () => {
    const root = await mkdtemp(join(tmpdir(), 'ckpt-'));
    try {
      await writeFile(join(root, 'state.json'), JSON.stringify({ format: 'other' }));
      await expect(loadCheckpoint(root)).rejects.toThrow(CheckpointError);
      await expect(loadCheckpoint(root)).rejects.toThrow(
        /format is "other".*; .*train afresh into a new directory/,
      );
      await expect(loadCheckpoint(join(root, 'nope'))).rejects.toThrow(
        /cannot read state.json .*; point at a step-NNNNNNNN checkpoint directory/,
      );
      // A latest.json cut short (disk full, killed mid-write by another tool) names the way out.
      await writeFile(join(root, 'latest.json'), '{"checkpoint": "step-0');
      await expect(loadLatestCheckpoint(root)).rejects.toThrow(
        /latest\.json names no checkpoint; delete it to start afresh/,
      );
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});
