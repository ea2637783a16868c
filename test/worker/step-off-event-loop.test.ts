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

// Big enough that a step of two replicas takes about 2 s on the cpu backend (1.9 s measured here,
// 0.94 s on a CI machine).
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
  it('keeps the event loop responsive during a long step (about a second or more), packets bit-identical', async () => {
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
      // The fixture is big enough to matter: on the main thread the step holds the loop for most of
      // its wall time (one uninterrupted stretch) and keeps it busy throughout. Relative to the same
      // run's wall time, not an absolute second: a faster machine shortens both (CI measured 937 ms,
      // this machine 1.9 s); the floor keeps the fixture far above a heartbeat's tolerance.
      expect(sync.maxLagMs).toBeGreaterThan(Math.max(300, sync.ms / 2));
      expect(sync.utilization).toBeGreaterThan(0.9);
      // On a lane the loop stays idle (~0.03 measured, loaded or not) and the timer's worst lateness is
      // a small share of the same run's wall time (~1% measured), so a loaded machine, which lengthens
      // both, does not turn it red; a step back on this thread gives ~1 for either.
      expect(threaded.utilization).toBeLessThan(0.2);
      expect(threaded.maxLagMs).toBeLessThan(threaded.ms / 5);
      expect(threaded.maxLagMs).toBeLessThan(sync.maxLagMs / 5);
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
