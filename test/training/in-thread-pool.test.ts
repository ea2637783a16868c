import { describe, it, expect } from 'vitest';
import { expandArch } from '@repvgg/core/arch/arch-spec';
import { initBackend } from '@repvgg/core/compute/backend';
import { tf } from '@repvgg/core/compute/tf';
import { TrainModel } from '@repvgg/core/graph/train-model';
import { initStateDict } from '@repvgg/core/weights/init';
import { InThreadReplicaPool } from '@repvgg/training/parallel/in-thread-replica.pool';
import { ThreadReplicaPool } from '@repvgg/training/parallel/thread-replica.pool';
import { bnSpatialSizes } from '@repvgg/training/step/bn-sample-counts';
import { packetLayout, flattenPacket } from '@repvgg/training/step/gradient-packet';
import type { ReplicaBatch } from '@repvgg/training/step/replica-model';
import { TrainState } from '@repvgg/training/step/train-state';

// A worker whose replica steps are small computes them on its own thread (`--threads 0`, or 'auto'
// for such a job): the same lane code as a compute thread, without the thread.
const arch = expandArch({
  name: 'tiny',
  numBlocks: [1, 1, 1, 1],
  widthMultiplier: [0.125, 0.125, 0.125, 0.125],
  overrideGroupsMap: {},
  numClasses: 4,
});
const SIZE = 8;
const weights = initStateDict(arch, 7);
const geometry = { globalBatch: 8, labelSmoothing: 0, bnSpatial: bnSpatialSizes(arch, SIZE, SIZE) };
const init = { arch, weights, ...geometry, backend: 'wasm' };

function replicas(seed: number): ReplicaBatch[] {
  let s = seed;
  const rnd = (): number => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32 - 0.5;
  };
  return [0, 1].map(() => ({
    images: Float32Array.from({ length: 4 * SIZE * SIZE * 3 }, rnd),
    shape: [4, SIZE, SIZE, 3] as const,
    labels: Int32Array.from({ length: 4 }, () => Math.floor((rnd() + 0.5) * 4)),
  }));
}

/** The weights in the compute model's variable layout, as a worker's state holds them. */
function paramsOf(): ReadonlyMap<string, Float32Array> {
  const model = TrainModel.fromStateDict(arch, weights);
  const state = TrainState.create(model, weights, {
    momentum: 0.9,
    weightDecay: 0,
    nesterov: false,
  });
  model.dispose();
  return state.params;
}

describe('a lane on the calling thread', () => {
  it('computes the packets of a compute thread, bit for bit, and validates alike', async () => {
    await initBackend('wasm', { log: () => undefined });
    const params = paramsOf();
    const own = await InThreadReplicaPool.start(init);
    const thread = await ThreadReplicaPool.start(1, init);
    try {
      expect(own.lanes).toBe(1);
      for (let step = 0; step < 2; step++) {
        const batch = replicas(step + 1);
        const a = await own.computeEach(params, batch);
        const b = await thread.computeEach(params, batch);
        expect(a).toHaveLength(2);
        const layout = packetLayout(b[0]);
        for (let r = 0; r < 2; r++) {
          expect(flattenPacket(a[r], layout)).toEqual(flattenPacket(b[r], layout));
        }
      }
      const val = async function* (): AsyncGenerator<ReplicaBatch> {
        await Promise.resolve();
        yield* replicas(9);
      };
      // everything but the measured speed
      const { imagesPerSec: _a, ...mine } = await own.validate(weights, val());
      const { imagesPerSec: _b, ...theirs } = await thread.validate(weights, val());
      expect(mine).toEqual(theirs);
      expect(mine.images).toBe(8);
    } finally {
      await own.close();
      await thread.close();
    }
  });

  it("frees its models in this thread's engine when closed", async () => {
    await initBackend('wasm', { log: () => undefined });
    const params = paramsOf();
    const before = tf.memory().numTensors;
    const own = await InThreadReplicaPool.start(init);
    await own.computeEach(params, replicas(5));
    await own.loadEvaluation(weights);
    expect(tf.memory().numTensors).toBeGreaterThan(before);
    await own.close();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('answers a failed request with its error and keeps serving', async () => {
    await initBackend('wasm', { log: () => undefined });
    const params = paramsOf();
    const own = await InThreadReplicaPool.start(init);
    try {
      const bad = replicas(3).map((r) => ({ ...r, shape: [4, SIZE + 1, SIZE, 3] as const }));
      await expect(own.computeEach(params, bad)).rejects.toThrow('a replica thread failed');
      expect(own.broken).toBe(false);
      expect(await own.computeEach(params, replicas(4))).toHaveLength(2);
    } finally {
      await own.close();
    }
  });
});
