import { describe, it, expect } from 'vitest';
import { initBackend } from '@repvgg/core/compute/backend';
import { TrainModel } from '@repvgg/core/graph/train-model';
import { initStateDict } from '@repvgg/core/weights/init';
import { ThreadReplicaPool } from '@repvgg/training/parallel/thread-replica.pool';
import { bnSpatialSizes } from '@repvgg/training/step/bn-sample-counts';
import { computeReplicaGradients } from '@repvgg/training/step/compute-gradients';
import type { GradientPacket } from '@repvgg/training/step/gradient-packet';
import type { ReplicaBatch } from '@repvgg/training/step/replica-model';
import { TrainState } from '@repvgg/training/step/train-state';
import { withLag } from './event-loop-lag';
import { archOf, batch } from './validation.fixture';

// Big enough that a step of two replicas takes about 2 s on the cpu backend (1.9 s measured here).
const arch = archOf('slow-step', 0.25);
const SIZE = 24;
const PER_REPLICA = 12;
const weights = initStateDict(arch, 7);
const geometry = {
  globalBatch: 2 * PER_REPLICA,
  labelSmoothing: 0.1,
  bnSpatial: bnSpatialSizes(arch, SIZE, SIZE),
};

const replica = (seed: number): ReplicaBatch => batch(PER_REPLICA, SIZE, seed);

const bits = (p: GradientPacket): Buffer[] =>
  (['grads', 'bnMean', 'bnVar'] as const).flatMap((m) =>
    [...p[m].values()].map((v) => Buffer.from(v.buffer, v.byteOffset, v.byteLength)),
  );

describe("the worker's step computation", () => {
  it('keeps the event loop responsive during a step of over a second, packets bit-identical', async () => {
    await initBackend('cpu', { log: () => undefined });
    const model = TrainModel.fromStateDict(arch, weights);
    const state = TrainState.create(model, weights, {
      momentum: 0.9,
      weightDecay: 1e-4,
      nesterov: false,
    });
    const batch = [replica(1), replica(2)];
    // as JobContext starts it: one lane on the worker's backend
    const pool = await ThreadReplicaPool.start(1, { arch, weights, ...geometry, backend: 'cpu' });
    try {
      // the step as the worker computed it before: synchronously on the main thread
      const sync = await withLag(() =>
        Promise.resolve(batch.map((mb) => computeReplicaGradients(model, mb, geometry))),
      );
      const threaded = await withLag(() => pool.computeEach(state.params, batch));
      const stepMs = sync.maxLagMs;
      expect(stepMs).toBeGreaterThan(1000);
      // Relative to the step, measured under the same load: ~10 ms against ~2 s on a quiet machine,
      // up to ~300 ms against ~10 s with two busy loops on the two cores.
      expect(threaded.maxLagMs).toBeLessThan(stepMs / 10);
      expect(threaded.value.map((p) => [p.replicas, p.samples, p.lossSum, p.correct])).toEqual(
        sync.value.map((p) => [p.replicas, p.samples, p.lossSum, p.correct]),
      );
      expect(threaded.value.map(bits)).toEqual(sync.value.map(bits));
    } finally {
      await pool.close();
      model.dispose();
    }
  }, 60_000);
});
