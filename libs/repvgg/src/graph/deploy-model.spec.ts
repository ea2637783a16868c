import { beforeAll, describe, expect, it } from 'vitest';
import { expandArch } from '../arch/arch-spec';
import { initBackend } from '../compute/backend';
import { tf } from '../compute/tf';
import { reparameterize } from '../reparam/reparameterize';
import { initStateDict } from '../weights/init';
import { StateDictMismatchError } from '../weights/state-dict.error';
import { DeployModel } from './deploy-model';
import { TrainModel } from './train-model';

const ARCH = expandArch({
  name: 'small',
  numBlocks: [1, 2, 1, 1],
  widthMultiplier: [0.125, 0.125, 0.125, 0.125],
  overrideGroupsMap: { 2: 2, 3: 2 },
  numClasses: 4,
});

describe('DeployModel', () => {
  beforeAll(async () => {
    await initBackend('wasm', { log: () => undefined });
  });

  it('computes relu(conv3×3 + bias) per block, pooled and classified', () => {
    const train = initStateDict(ARCH, 3);
    const deploySd = reparameterize(ARCH, train);
    const model = DeployModel.fromStateDict(ARCH, deploySd);
    const x = tf.randomUniform<tf.Rank.R4>([2, 16, 16, 3], -1, 1, 'float32', 4);
    const y = model.predict(x);
    expect(y.shape).toEqual([2, 4]);
    // The wide-statistics case is in train-model.spec; this checks the plain layer chain.
    const multi = TrainModel.fromStateDict(ARCH, train);
    const ref = multi.predict(x);
    const diff = tf.max(tf.abs(tf.sub(y, ref))).dataSync()[0];
    const scale = tf.max(tf.abs(ref)).dataSync()[0];
    expect(diff).toBeLessThanOrEqual(1e-5 * scale);
    tf.dispose([x, y, ref]);
    model.dispose();
    multi.dispose();
  });

  it('splits grouped kernels once at load: predict splits only the activations', async () => {
    const model = DeployModel.fromStateDict(ARCH, reparameterize(ARCH, initStateDict(ARCH, 6)));
    const x = tf.randomUniform<tf.Rank.R4>([1, 16, 16, 3], -1, 1, 'float32', 7);
    // Stride-1 layers run as Winograd (grouped or not, no split); the strided ones on XNNPACK.
    const strided = ARCH.blocks.filter((b) => b.stride === 2);
    const grouped = strided.filter((b) => b.groups > 1).length;
    expect(grouped).toBeGreaterThan(0);
    expect(ARCH.blocks.some((b) => b.stride === 1 && b.groups > 1)).toBe(true);
    const profile = await tf.profile(() => model.predict(x));
    // Splitting kernel and bias per call added two SplitV per grouped layer (and re-packed
    // XNNPACK's weights, which it caches per filter tensor).
    expect(profile.kernels.filter((k) => k.name === 'SplitV')).toHaveLength(grouped);
    expect(profile.kernels.filter((k) => k.name === 'FusedConv2D')).toHaveLength(
      strided.reduce((n, b) => n + b.groups, 0),
    );
    expect(profile.kernels.filter((k) => k.name === 'RepvggWinogradConv2D')).toHaveLength(
      ARCH.blocks.length - strided.length,
    );
    tf.dispose(x);
    model.dispose();
  });

  it('refuses training weights, and TrainModel refuses deploy weights, naming the keys', () => {
    const train = initStateDict(ARCH, 5);
    const deploySd = reparameterize(ARCH, train);
    expect(() => DeployModel.fromStateDict(ARCH, train)).toThrow(StateDictMismatchError);
    expect(() => DeployModel.fromStateDict(ARCH, train)).toThrow(/rbr_reparam/);
    expect(() => TrainModel.fromStateDict(ARCH, deploySd)).toThrow(StateDictMismatchError);
  });
});
