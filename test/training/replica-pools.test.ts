import { describe, it, expect, afterAll } from 'vitest';
import { expandArch } from '@repvgg/core/arch/arch-spec';
import { initBackend } from '@repvgg/core/compute/backend';
import { tf } from '@repvgg/core/compute/tf';
import { TrainModel } from '@repvgg/core/graph/train-model';
import { initStateDict } from '@repvgg/core/weights/init';
import {
  ReplicaWorkerError,
  ThreadReplicaPool,
} from '@repvgg/training/parallel/thread-replica.pool';
import { applyGradients } from '@repvgg/training/step/apply-gradients';
import { bnSpatialSizes } from '@repvgg/training/step/bn-sample-counts';
import { computeGradients } from '@repvgg/training/step/compute-gradients';
import { addPacket, type GradientPacket } from '@repvgg/training/step/gradient-packet';
import type { ReplicaBatch } from '@repvgg/training/step/replica-model';
import { TrainState } from '@repvgg/training/step/train-state';
import { LocalReplicaPool } from '@repvgg/training/trainer/local-replica.pool';

const arch = expandArch({
  name: 'tiny-g2',
  numBlocks: [1, 2, 1, 1],
  widthMultiplier: [0.125, 0.125, 0.125, 0.125],
  overrideGroupsMap: { 2: 2 },
  numClasses: 5,
});
const SIZE = 12;
const weights = initStateDict(arch, 4);
const geometry = {
  globalBatch: 16,
  labelSmoothing: 0.1,
  bnSpatial: bnSpatialSizes(arch, SIZE, SIZE),
};

function replicas(v: number, seed: number): ReplicaBatch[] {
  let s = seed;
  const rnd = (): number => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32 - 0.5;
  };
  const per = geometry.globalBatch / v;
  return Array.from({ length: v }, () => ({
    images: Float32Array.from({ length: per * SIZE * SIZE * 3 }, rnd),
    shape: [per, SIZE, SIZE, 3] as const,
    labels: Int32Array.from({ length: per }, () => Math.floor((rnd() + 0.5) * 5)),
  }));
}

function expectClose(a: GradientPacket, b: GradientPacket, tol: number): void {
  expect([b.replicas, b.samples, b.correct]).toEqual([a.replicas, a.samples, a.correct]);
  expect(b.lossSum).toBeCloseTo(a.lossSum, 3);
  for (const m of ['grads', 'bnMean', 'bnVar'] as const) {
    expect([...b[m].keys()]).toEqual([...a[m].keys()]);
    for (const [key, va] of a[m]) {
      const vb = b[m].get(key) ?? new Float32Array();
      const scale = Math.max(1e-3, ...Array.from(va, Math.abs));
      va.forEach((x, i) => {
        expect(Math.abs(x - (vb[i] ?? Number.NaN)) / scale, key).toBeLessThan(tol);
      });
    }
  }
}

const models: TrainModel[] = [];
afterAll(() => {
  models.forEach((m) => {
    m.dispose();
  });
});

describe('virtual replicas on the real training graph', () => {
  it('V=4 in one call equals 2+2 computed apart and summed; tensors stay flat', async () => {
    await initBackend('cpu', { log: () => undefined });
    const model = TrainModel.fromStateDict(arch, weights);
    models.push(model);
    const batch = replicas(4, 1);
    const whole = computeGradients(model, batch, geometry);
    const split = addPacket(
      computeGradients(model, batch.slice(0, 2), geometry),
      computeGradients(model, batch.slice(2), geometry),
    );
    expectClose(whole, split, 1e-5);
    expect(whole.bnMean.size).toBe(arch.blocks.reduce((n, b) => n + (b.hasIdentity ? 3 : 2), 0));

    const state = TrainState.create(model, weights, {
      momentum: 0.9,
      weightDecay: 1e-4,
      nesterov: false,
    });
    const pool = new LocalReplicaPool(model, geometry);
    applyGradients(state, await pool.compute(state.params, batch), { lr: 0.05 });
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) {
      applyGradients(state, await pool.compute(state.params, replicas(4, 10 + i)), { lr: 0.05 });
    }
    expect(tf.memory().numTensors).toBe(before);
    expect(state.running.get('stage0.rbr_dense.bn')?.tracked).toBe(4n);
  });

  it('two compute threads give the packet of one thread', async () => {
    await initBackend('cpu', { log: () => undefined });
    const model = TrainModel.fromStateDict(arch, weights);
    models.push(model);
    const state = TrainState.create(model, weights, {
      momentum: 0.9,
      weightDecay: 1e-4,
      nesterov: false,
    });
    const local = new LocalReplicaPool(model, geometry);
    const threads = await ThreadReplicaPool.start(2, {
      arch,
      weights,
      ...geometry,
      backend: 'cpu',
    });
    await expect(
      ThreadReplicaPool.start(0, { arch, weights, ...geometry, backend: 'cpu' }),
    ).rejects.toThrow('a replica pool needs at least 1 compute thread, got 0');
    try {
      expect(threads.lanes).toBe(2);
      for (let step = 0; step < 2; step++) {
        const batch = replicas(4, 100 + step);
        const a = await local.compute(state.params, batch);
        const b = await threads.compute(state.params, batch);
        expectClose(a, b, 1e-5);
        applyGradients(state, a, { lr: 0.1 });
      }
      // A step a lane cannot compute (one-sample replicas) fails alone: the lanes carry on.
      await expect(threads.compute(state.params, replicas(16, 300))).rejects.toThrow(
        /a replica thread failed: BatchNorm .* value\(s\) per channel/,
      );
      expect(threads.broken).toBe(false);
      const batch = replicas(4, 301);
      expectClose(
        await local.compute(state.params, batch),
        await threads.compute(state.params, batch),
        1e-5,
      );
    } finally {
      await threads.close();
    }
    // A lane whose thread is gone refuses the step instead of leaving the trainer waiting forever.
    await expect(threads.compute(state.params, replicas(4, 200))).rejects.toThrow(
      ReplicaWorkerError,
    );
    expect(threads.broken).toBe(true);
  });
});
