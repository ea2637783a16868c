import { beforeAll, describe, expect, it } from 'vitest';
import { expandArch } from '../arch/arch-spec';
import { initBackend } from '../compute/backend';
import { tf } from '../compute/tf';
import { reparameterize } from '../reparam/reparameterize';
import { initStateDict } from '../weights/init';
import { DeployModel } from './deploy-model';
import { TrainModel } from './train-model';

/**
 * stage0 3→8 (stride 2); stage1 8→8 ×2 and stage2 8→32, 32→32 in 2 groups: the second block of
 * each stride 1; widths fit Winograd's lanes.
 */
const ARCH = expandArch({
  name: 'small',
  numBlocks: [2, 2, 1, 1],
  widthMultiplier: [0.125, 0.125, 0.125, 0.125],
  overrideGroupsMap: { 4: 2 },
  numClasses: 4,
});
const STRIDE1 = ARCH.blocks.filter((b) => b.stride === 1).length;
const GROUPED_STRIDE1 = ARCH.blocks.filter((b) => b.stride === 1 && b.groups > 1).length;

function maxAbs(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]);
}

describe('Winograd 3×3 layers in inference (both graphs)', () => {
  beforeAll(async () => {
    await initBackend('wasm', { log: () => undefined });
  });

  it('runs the stride-1 layers of both graphs as Winograd and the strided ones as tfjs convolutions', async () => {
    const train = initStateDict(ARCH, 3);
    const deploy = DeployModel.fromStateDict(ARCH, reparameterize(ARCH, train));
    const multi = TrainModel.fromStateDict(ARCH, train);
    const x = tf.randomUniform<tf.Rank.R4>([2, 16, 16, 3], -1, 1, 'float32', 4);
    const count = async (run: () => tf.Tensor, name: string): Promise<number> =>
      (await tf.profile(run)).kernels.filter((k) => k.name === name).length;
    expect(STRIDE1).toBeGreaterThan(GROUPED_STRIDE1);
    expect(GROUPED_STRIDE1).toBeGreaterThan(0);
    expect(await count(() => deploy.predict(x), 'RepvggWinogradConv2D')).toBe(STRIDE1);
    expect(await count(() => deploy.predict(x), 'FusedConv2D')).toBe(ARCH.blocks.length - STRIDE1);
    expect(await count(() => multi.predict(x), 'RepvggWinogradConv2D')).toBe(STRIDE1);
    const y = deploy.predict(x);
    const ref = multi.predict(x);
    expect(maxAbs(y, ref)).toBeLessThanOrEqual(
      1e-5 * tf.tidy(() => tf.max(tf.abs(ref)).dataSync()[0]),
    );
    tf.dispose([x, y, ref]);
    deploy.dispose();
    multi.dispose();
  });

  it('transforms a kernel again after it is assigned, and frees every transform on dispose', () => {
    const before = tf.memory().numTensors;
    const a = initStateDict(ARCH, 5);
    const b = initStateDict(ARCH, 6);
    const model = TrainModel.fromStateDict(ARCH, a);
    const fresh = TrainModel.fromStateDict(ARCH, b);
    const x = tf.randomUniform<tf.Rank.R4>([1, 16, 16, 3], -1, 1, 'float32', 7);
    tf.dispose(model.predict(x));
    const withTransforms = tf.memory().numTensors;
    // Give the model b's weights the way training does (Variable.assign), then predict again.
    const target = fresh.trainableVariables();
    for (const [key, v] of model.trainableVariables()) {
      const next = target.get(key);
      if (next === undefined) throw new Error(`no ${key}`);
      v.assign(next);
    }
    const y = model.predict(x);
    const ref = fresh.predict(x);
    expect(maxAbs(y, ref)).toBe(0);
    tf.dispose([y, ref]);
    // One transform per stride-1 layer, replaced rather than added to.
    expect(tf.memory().numTensors).toBe(withTransforms + STRIDE1);
    model.dispose();
    fresh.dispose();
    x.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});
