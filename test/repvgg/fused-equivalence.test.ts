import { beforeAll, describe, expect, it } from 'vitest';
import {
  DeployModel,
  initBackend,
  initStateDict,
  reparameterize,
  resolveArch,
  tf,
  TrainModel,
} from '@repvgg/core';
import { maxAbsDiff, randomImages, withWideBnStats } from '@repvgg/core/testing/wide-bn-stats';

/**
 * Issue 2's equivalence: fused deploy logits equal multi-branch logits (BN in inference mode, the
 * wide random statistics of docs/reference.md) within max|Δ| ≤ 1e-5·max|y|.
 */
async function fusedVsMultiBranch(
  name: string,
  resolution: number,
  batch: number,
): Promise<{ diff: number; scale: number }> {
  const arch = resolveArch({ arch: name }, { numClasses: 1000 });
  const sd = withWideBnStats(initStateDict(arch, 2021), 7);
  const shape: [number, number, number, number] = [batch, resolution, resolution, 3];
  const x = tf.tensor4d(randomImages(shape, 3), shape);
  const train = TrainModel.fromStateDict(arch, sd);
  const yTrain = train.predict(x);
  train.dispose();
  const deploy = DeployModel.fromStateDict(arch, reparameterize(arch, sd));
  const yDeploy = deploy.predict(x);
  deploy.dispose();
  const result = maxAbsDiff(await yDeploy.data(), await yTrain.data());
  tf.dispose([x, yTrain, yDeploy]);
  return result;
}

describe('fused RepVGG equals the multi-branch model', () => {
  beforeAll(async () => {
    await initBackend('wasm', { log: () => undefined });
  });

  it('RepVGG-A0 at 224², batch 2', async () => {
    const { diff, scale } = await fusedVsMultiBranch('RepVGG-A0', 224, 2);
    expect(scale).toBeGreaterThan(0.5);
    expect(diff).toBeLessThanOrEqual(1e-5 * scale);
  });

  it('RepVGG-B1g4 (13 grouped layers) at 32², batch 2', async () => {
    const { diff, scale } = await fusedVsMultiBranch('RepVGG-B1g4', 32, 2);
    expect(scale).toBeGreaterThan(0.5);
    expect(diff).toBeLessThanOrEqual(1e-5 * scale);
  });
});
