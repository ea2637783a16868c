import { describe, it, expect } from 'vitest';
import { initBackend } from '@repvgg/core/compute/backend';
import { TrainModel } from '@repvgg/core/graph/train-model';
import { initStateDict } from '@repvgg/core/weights/init';
import { ThreadReplicaPool } from '@repvgg/training/parallel/thread-replica.pool';
import { bnSpatialSizes } from '@repvgg/training/step/bn-sample-counts';
import { computeReplicaGradients } from '@repvgg/training/step/compute-gradients';
import { archOf, batch, counted, loaded, onMainThread, trainedLike } from './validation.fixture';

const SIZE = 12;
const arch = archOf('tiny-val', 0.125);
const geometry = {
  globalBatch: 8,
  labelSmoothing: 0.1,
  bnSpatial: bnSpatialSizes(arch, SIZE, SIZE),
};

describe('validation on the compute threads', () => {
  it('gives the metrics of validate on the main thread, bit for bit, over two lanes', async () => {
    await initBackend('cpu', { log: () => undefined });
    // the lanes start from other weights: validation must use the ones it is given
    const pool = await ThreadReplicaPool.start(2, {
      arch,
      weights: initStateDict(arch, 3),
      ...geometry,
      backend: 'cpu',
    });
    try {
      const weights = trainedLike(arch, 11);
      // an odd count and a short last batch, as a split's end gives
      const batches = [7, 7, 7, 7, 3].map((n, i) => batch(n, SIZE, 100 + i));
      const main = await onMainThread(arch, weights, batches);
      const lanes = await pool.validate(weights, loaded(batches));
      expect(main.images).toBe(31);
      expect(counted(lanes)).toEqual(counted(main));

      // the lanes evaluate with the running statistics they are given, not the initial ones
      const initStats = initStateDict(arch, 11);
      const withInitStats = await pool.validate(initStats, loaded(batches));
      expect(counted(withInitStats)).toEqual(counted(await onMainThread(arch, initStats, batches)));
      expect(withInitStats.loss).not.toBe(lanes.loss);

      // the lanes' step model is untouched by the evaluation model
      const model = TrainModel.fromStateDict(arch, weights);
      try {
        const params = new Map(
          [...model.trainableVariables()].map(([k, v]) => [k, v.dataSync() as Float32Array]),
        );
        const replicas = [batch(4, SIZE, 7), batch(4, SIZE, 8)];
        const step = await pool.computeEach(params, replicas);
        const sync = replicas.map((r) => computeReplicaGradients(model, r, geometry));
        expect(step.map((p) => [p.samples, p.lossSum, p.correct])).toEqual(
          sync.map((p) => [p.samples, p.lossSum, p.correct]),
        );
      } finally {
        model.dispose();
      }
    } finally {
      await pool.close();
    }
  }, 60_000);
});
