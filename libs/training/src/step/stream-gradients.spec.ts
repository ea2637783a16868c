import { beforeAll, describe, expect, it } from 'vitest';
import { expandArch } from '@repvgg/core/arch/arch-spec';
import { TrainModel } from '@repvgg/core/graph/train-model';
import { activeWasmBackend } from '@repvgg/core/testing/wasm-backend';
import { randomImages } from '@repvgg/core/testing/wide-bn-stats';
import { initStateDict } from '@repvgg/core/weights/init';
import { bnSpatialSizes } from './bn-sample-counts';
import { partCount, planBuckets } from './bucket-plan';
import { computeReplicaGradients } from './compute-gradients';
import { packetFromParts } from './packet-parts';
import { streamReplicaGradients } from './stream-gradients';
import { NoGradientError } from './step.error';

/** stage0 3→8 stride 2, stage1 8→8 ×2 (identity branch in .1), stages 2–3 and the head. */
const ARCH = expandArch({
  name: 'stream-spec',
  numBlocks: [2, 2, 1, 1],
  widthMultiplier: [0.25, 0.25, 0.25, 0.25],
  overrideGroupsMap: {},
  numClasses: 5,
});
const SHAPE: [number, number, number, number] = [6, 16, 16, 3];
const BATCH = {
  images: randomImages(SHAPE, 7),
  shape: SHAPE,
  labels: Int32Array.from({ length: SHAPE[0] }, (_, i) => i % 5),
};
const GEOMETRY = { globalBatch: 12, labelSmoothing: 0.1, bnSpatial: bnSpatialSizes(ARCH, 16, 16) };

const bits = (a: Float32Array): number[] => [...new Uint32Array(Float32Array.from(a).buffer)];

describe('streamReplicaGradients', () => {
  beforeAll(async () => {
    await activeWasmBackend();
  });

  it('gives the bits of computeReplicaGradients, the tail first, then each bucket in plan order', () => {
    const model = TrainModel.fromStateDict(ARCH, initStateDict(ARCH, 11));
    try {
      const reference = computeReplicaGradients(model, BATCH, GEOMETRY);
      const params = [...reference.grads].map(([k, v]) => [k, v.length] as const);
      const bn = [...reference.bnMean].map(([k, v]) => [k, v.length] as const);
      const plan = planBuckets(params, bn, 2048);
      expect(plan.buckets.length).toBeGreaterThan(3);
      const order: number[] = [];
      const parts: Float32Array[] = [];
      streamReplicaGradients(model, BATCH, GEOMETRY, plan, (part, data) => {
        order.push(part);
        parts[part] = data;
      });
      expect(order).toEqual(Array.from({ length: partCount(plan) }, (_, i) => i));
      const streamed = packetFromParts(plan, parts);
      expect([...streamed.grads.keys()].sort()).toEqual([...reference.grads.keys()].sort());
      for (const [key, g] of reference.grads) {
        expect(bits(streamed.grads.get(key) ?? new Float32Array()), key).toEqual(bits(g));
      }
      for (const [key, m] of reference.bnMean) {
        expect(bits(streamed.bnMean.get(key) ?? new Float32Array()), key).toEqual(bits(m));
        expect(bits(streamed.bnVar.get(key) ?? new Float32Array()), key).toEqual(
          bits(reference.bnVar.get(key) ?? new Float32Array()),
        );
      }
      expect([streamed.replicas, streamed.samples, streamed.correct]).toEqual([
        1,
        6,
        reference.correct,
      ]);
      expect(streamed.lossSum).toBe(Math.fround(reference.lossSum));
    } finally {
      model.dispose();
    }
  });

  it('refuses a model whose forward pass does not read its variables through the tap', () => {
    const model = TrainModel.fromStateDict(ARCH, initStateDict(ARCH, 11));
    try {
      const untappedModel = {
        forwardTrain: (x: Parameters<TrainModel['forwardTrain']>[0]) => model.forwardTrain(x),
        trainableVariables: () => model.trainableVariables(),
      };
      const reference = computeReplicaGradients(model, BATCH, GEOMETRY);
      const plan = planBuckets(
        [...reference.grads].map(([k, v]) => [k, v.length] as const),
        [...reference.bnMean].map(([k, v]) => [k, v.length] as const),
      );
      expect(() => {
        streamReplicaGradients(untappedModel, BATCH, GEOMETRY, plan, () => undefined);
      }).toThrow(NoGradientError);
    } finally {
      model.dispose();
    }
  });
});
