import { describe, it, expect } from 'vitest';
import { initBackend } from '@repvgg/core/compute/backend';
import { initStateDict } from '@repvgg/core/weights/init';
import { ThreadReplicaPool } from '@repvgg/training/parallel/thread-replica.pool';
import { bnSpatialSizes } from '@repvgg/training/step/bn-sample-counts';
import { withLag } from './event-loop-lag';
import { archOf, batch, counted, loaded, onMainThread, trainedLike } from './validation.fixture';

// Big enough that one batch's forward takes over a second on the cpu backend (1.4 s measured here,
// 0.72 s on a CI machine).
const SIZE = 64;
const arch = archOf('slow-val', 0.25);

describe("the worker's epoch validation", () => {
  it('keeps the event loop responsive during a long validation (about a second or more)', async () => {
    await initBackend('cpu', { log: () => undefined });
    const weights = trainedLike(arch, 5);
    const batches = [192, 192].map((n, i) => batch(n, SIZE, 200 + i));
    // as JobContext starts it: one lane on the worker's backend
    const pool = await ThreadReplicaPool.start(1, {
      arch,
      weights: initStateDict(arch, 5),
      globalBatch: 8,
      labelSmoothing: 0.1,
      bnSpatial: bnSpatialSizes(arch, SIZE, SIZE),
      backend: 'cpu',
    });
    try {
      // as the worker ran it before: the forward passes on the main thread, between the batches' reads
      const sync = await withLag(() => onMainThread(arch, weights, batches));
      const threaded = await withLag(() => pool.validate(weights, loaded(batches)));
      // On the main thread each of the two batches' forward holds the loop for about half the run's
      // wall time, and the loop is busy throughout; on a lane it stays idle and the worst timer
      // lateness is a small share of the same run's wall time (see step-off-event-loop.test.ts for
      // the numbers and why: bounds relative to the same run, so machine speed and load cancel).
      expect(sync.maxLagMs).toBeGreaterThan(Math.max(300, sync.ms / 4));
      expect(sync.utilization).toBeGreaterThan(0.9);
      expect(threaded.utilization).toBeLessThan(0.2);
      expect(threaded.maxLagMs).toBeLessThan(threaded.ms / 5);
      expect(threaded.maxLagMs).toBeLessThan(sync.maxLagMs / 5);
      expect(counted(threaded.value)).toEqual(counted(sync.value));
      console.log(
        `validation of ${sync.value.images} images: timer lag ${sync.maxLagMs.toFixed(0)} ms with ` +
          `the forward on the main thread, ${threaded.maxLagMs.toFixed(0)} ms on a lane; loop use ` +
          `${sync.utilization.toFixed(2)} against ${threaded.utilization.toFixed(2)}`,
      );
    } finally {
      await pool.close();
    }
  }, 60_000);
});
