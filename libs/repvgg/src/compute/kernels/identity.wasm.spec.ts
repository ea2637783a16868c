import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expandArch } from '../../arch/arch-spec';
import { TrainModel } from '../../graph/train-model';
import { activeWasmBackend } from '../../testing/wasm-backend';
import { randomImages } from '../../testing/wide-bn-stats';
import { initStateDict } from '../../weights/init';
import { tf } from '../tf';

/** stage0 3→8 stride 2, stage1 8→8 ×2 (identity branch in .1), head: every kind of saved tensor. */
const ARCH = expandArch({
  name: 'identity-spec',
  numBlocks: [2, 1, 1, 1],
  widthMultiplier: [0.125, 0.125, 0.125, 0.125],
  overrideGroupsMap: {},
  numClasses: 5,
});

/** The stock wasm Identity's behaviour: a new buffer holding a copy. */
function copyIdentity(args: {
  inputs: tf.NamedTensorInfoMap;
  backend: BackendWasm;
}): tf.TensorInfo {
  const x = args.inputs.x;
  if (x === undefined) throw new Error('Identity needs an input x');
  const out = args.backend.makeOutput(x.shape, x.dtype);
  args.backend.typedArrayFromHeap(out).set(args.backend.typedArrayFromHeap(x));
  return out;
}
const copyingIdentity: tf.KernelConfig = {
  kernelName: 'Identity',
  backendName: 'wasm',
  kernelFunc: copyIdentity as unknown as tf.KernelFunc,
};

/** Every gradient's bits, in variable order, of Σ logits·w for a fixed batch. */
function gradientBits(): Uint32Array[] {
  const model = TrainModel.fromStateDict(ARCH, initStateDict(ARCH, 3));
  const vars = [...model.trainableVariables().values()];
  const shape: [number, number, number, number] = [4, 12, 12, 3];
  const { value, grads } = tf.variableGrads(() => {
    const logits = model.forwardTrain(tf.tensor4d(randomImages(shape, 5), shape)).logits;
    return tf.sum<tf.Scalar>(tf.mul(logits, tf.linspace(-1, 1, logits.size).reshape(logits.shape)));
  }, vars);
  const bits = vars.map((v) => new Uint32Array(Float32Array.from(grads[v.name].dataSync()).buffer));
  tf.dispose([value, ...Object.values(grads)]);
  model.dispose();
  return bits;
}

describe('wasm Identity that shares its input buffer', () => {
  let ours: tf.KernelConfig;
  let wasm: BackendWasm;
  beforeAll(async () => {
    wasm = await activeWasmBackend();
    ours = tf.getKernel('Identity', 'wasm');
  });
  afterAll(() => {
    tf.unregisterKernel('Identity', 'wasm');
    tf.registerKernel(ours);
  });

  it('clones without a new buffer, and either tensor outlives the other', () => {
    const x = tf.tensor1d([1.5, -0, 3]);
    const buffers = tf.memory().numDataBuffers;
    const ids = wasm.numDataIds();
    const y = tf.clone(x);
    expect(tf.memory().numDataBuffers).toBe(buffers);
    expect(wasm.numDataIds()).toBe(ids);
    expect(wasm.refCount(x.dataId)).toBe(2);
    x.dispose();
    expect(Array.from(y.dataSync())).toEqual([1.5, -0, 3]);
    const z = tf.clone(y);
    y.dispose();
    expect(Array.from(z.dataSync())).toEqual([1.5, -0, 3]);
    z.dispose();
    expect(wasm.numDataIds()).toBe(ids - 1);
  });

  it('still copies strings (the built-in kernel)', () => {
    const s = tf.tensor1d(['a', 'b'], 'string');
    const t = tf.clone(s);
    s.dispose();
    expect(t.dataSync()).toEqual(['a', 'b']);
    t.dispose();
  });

  it('gives the training graph the same gradients, bit for bit, as a copying Identity', () => {
    const shared = gradientBits();
    tf.unregisterKernel('Identity', 'wasm');
    tf.registerKernel(copyingIdentity);
    let copied: Uint32Array[];
    try {
      copied = gradientBits();
    } finally {
      tf.unregisterKernel('Identity', 'wasm');
      tf.registerKernel(ours);
    }
    expect(shared.length).toBeGreaterThan(10);
    expect(shared).toEqual(copied);
  });
});
