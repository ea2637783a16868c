import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expandArch, type Architecture } from '../arch/arch-spec';
import { initBackend } from '../compute/backend';
import { tf } from '../compute/tf';
import { reparameterize } from '../reparam/reparameterize';
import type { StateDict } from '../tensor/host-tensor';
import { maxAbsDiff, randomImages, withWideBnStats } from '../testing/wide-bn-stats';
import { initStateDict } from '../weights/init';
import { DeployModel } from './deploy-model';
import { TrainModel } from './train-model';

/** stage0 3→8; stage1 8→8 ×2 (identity in .1); stage2 8→16, stage3 16→16 ×2 with groups 2 and 4. */
const TINY: Architecture = expandArch({
  name: 'tiny',
  numBlocks: [2, 1, 3, 1],
  widthMultiplier: [0.125, 0.125, 0.0625, 0.0625],
  overrideGroupsMap: { 2: 2, 5: 2, 6: 4 },
  numClasses: 5,
});

function sdFor(arch: Architecture, seed: number): StateDict {
  return withWideBnStats(initStateDict(arch, seed), seed + 1);
}

interface Grads {
  loss: number;
  grads: Map<string, Float32Array>;
  stats: Map<string, Float32Array>;
}

/** Loss = Σ logits·w (w fixed), so every logit gets a distinct gradient. */
async function trainGrads(
  backend: string,
  sd: StateDict,
  x: Float32Array,
  shape: [number, number, number, number],
): Promise<Grads> {
  await tf.setBackend(backend);
  const model = TrainModel.fromStateDict(TINY, sd);
  const vars = model.trainableVariables();
  const stats = new Map<string, Float32Array>();
  const { value, grads } = tf.variableGrads(() => {
    const out = model.forwardTrain(tf.tensor4d(x, shape));
    for (const [k, s] of out.bnStats) {
      stats.set(`${k}.mean`, s.mean.dataSync() as Float32Array);
      stats.set(`${k}.var`, s.variance.dataSync() as Float32Array);
    }
    const w = tf.linspace(-1, 1, out.logits.size).reshape(out.logits.shape);
    return tf.sum<tf.Scalar>(tf.mul(out.logits, w));
  }, [...vars.values()]);
  const byKey = new Map<string, Float32Array>();
  for (const [key, v] of vars) {
    const g = grads[v.name] as tf.Tensor | undefined;
    if (g === undefined) throw new Error(`no gradient for ${key}`);
    byKey.set(key, g.dataSync() as Float32Array);
  }
  const loss = value.dataSync()[0];
  tf.dispose([value, ...Object.values(grads)]);
  model.dispose();
  return { loss, grads: byKey, stats };
}

describe('TrainModel', () => {
  beforeAll(async () => {
    await initBackend('wasm', { log: () => undefined });
  });
  afterAll(async () => {
    await tf.setBackend('wasm');
  });

  it('round-trips a state dict exactly, in official key order', () => {
    const sd = sdFor(TINY, 1);
    const model = TrainModel.fromStateDict(TINY, sd);
    const back = model.toStateDict();
    model.dispose();
    expect([...back.keys()]).toEqual([...sd.keys()]);
    for (const [key, t] of sd) {
      const b = back.get(key);
      expect(b?.shape, key).toEqual(t.shape);
      expect(b?.data, key).toEqual(t.data);
    }
  });

  it('accepts a DistributedDataParallel `module.` prefix', () => {
    const sd = sdFor(TINY, 2);
    const prefixed: StateDict = new Map([...sd].map(([k, v]) => [`module.${k}`, v]));
    const model = TrainModel.fromStateDict(TINY, prefixed);
    expect(model.toStateDict().get('linear.bias')?.data).toEqual(sd.get('linear.bias')?.data);
    model.dispose();
  });

  // Seven blocks of BatchNorm backward amplify float32 summation-order differences between XNNPACK
  // and the cpu kernels; per block (train-block.spec) the agreement is within 1e-5.
  it('has gradients on wasm equal to the cpu backend within 5e-5 relative (grouped, strides 1 and 2)', async () => {
    const sd = sdFor(TINY, 3);
    // 4 images at 32²: the last BatchNorm still normalizes over 16 values, a well-conditioned case.
    const shape: [number, number, number, number] = [4, 32, 32, 3];
    const x = randomImages(shape, 4);
    const cpu = await trainGrads('cpu', sd, x, shape);
    const wasm = await trainGrads('wasm', sd, x, shape);
    expect(Math.abs(wasm.loss - cpu.loss)).toBeLessThanOrEqual(1e-5 * Math.abs(cpu.loss));
    expect([...wasm.grads.keys()]).toEqual([...cpu.grads.keys()]);
    for (const [key, g] of cpu.grads) {
      const { diff, scale } = maxAbsDiff(wasm.grads.get(key) ?? [], g);
      expect(scale, key).toBeGreaterThan(0);
      expect(diff / scale, key).toBeLessThan(5e-5);
    }
    for (const [key, s] of cpu.stats) {
      const { diff, scale } = maxAbsDiff(wasm.stats.get(key) ?? [], s);
      expect(diff, key).toBeLessThanOrEqual(1e-5 * Math.max(scale, 1));
    }
  });

  it('releases every tensor it allocated when disposed', async () => {
    await tf.setBackend('wasm');
    const sd = sdFor(TINY, 5);
    const before = tf.memory().numTensors;
    TrainModel.fromStateDict(TINY, sd).dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('keeps tf.memory().numTensors flat across training steps', async () => {
    await tf.setBackend('wasm');
    const model = TrainModel.fromStateDict(TINY, sdFor(TINY, 7));
    const vars = model.trainableVariables();
    const shape: [number, number, number, number] = [4, 16, 16, 3];
    const x = tf.tensor4d(randomImages(shape, 8), shape);
    const step = (): void => {
      const { value, grads } = tf.variableGrads(() => {
        const out = model.forwardTrain(x);
        return tf.mean<tf.Scalar>(tf.square(out.logits));
      }, [...vars.values()]);
      tf.tidy(() => {
        for (const v of vars.values())
          v.assign(tf.sub(v, tf.mul(grads[v.name] ?? tf.zerosLike(v), 0.01)));
      });
      tf.dispose([value, ...Object.values(grads)]);
    };
    step();
    const before = tf.memory().numTensors;
    const dataIds = tf.engine().backend.numDataIds();
    for (let i = 0; i < 3; i++) step();
    expect(tf.memory().numTensors).toBe(before);
    expect(tf.engine().backend.numDataIds()).toBe(dataIds);
    x.dispose();
    model.dispose();
  });

  it('fused deploy logits equal multi-branch logits for a grouped arch (BN in inference mode)', async () => {
    await tf.setBackend('wasm');
    const sd = sdFor(TINY, 9);
    const shape: [number, number, number, number] = [2, 32, 32, 3];
    const x = tf.tensor4d(randomImages(shape, 10), shape);
    const train = TrainModel.fromStateDict(TINY, sd);
    const deploy = DeployModel.fromStateDict(TINY, reparameterize(TINY, sd));
    const yTrain = train.predict(x);
    const yDeploy = deploy.predict(x);
    const { diff, scale } = maxAbsDiff(yDeploy.dataSync(), yTrain.dataSync());
    expect(scale).toBeGreaterThan(0.1);
    expect(diff).toBeLessThanOrEqual(1e-5 * scale);
    tf.dispose([x, yTrain, yDeploy]);
    train.dispose();
    deploy.dispose();
  });
});
