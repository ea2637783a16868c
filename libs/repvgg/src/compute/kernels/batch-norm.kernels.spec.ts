import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../backend';
import { addRelu, batchNormTrain, batchNormTrainComposed } from '../ops/batch-norm-train.op';
import { tf } from '../tf';

function seeded(n: number, seed: number, offset = 0): Float32Array {
  let s = seed >>> 0;
  return Float32Array.from({ length: n }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 31 - 1 + offset;
  });
}

function relErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < b.length; i++) {
    num = Math.max(num, Math.abs((a[i] ?? Number.NaN) - (b[i] ?? Number.NaN)));
    den = Math.max(den, Math.abs(b[i] ?? 0));
  }
  return num / den;
}

type Bn = typeof batchNormTrain;

/** y, batch stats, and the gradients of Σ y·w w.r.t. x, γ, β, computed through `bn`. */
function run(bn: Bn, shape: [number, number, number, number]): Record<string, Float32Array> {
  const c = shape[3];
  const size = shape.reduce((a, b) => a * b, 1);
  // A channel offset of 3 makes the mean matter: a kernel that forgot it would fail.
  const x = tf.tensor4d(seeded(size, 1, 3), shape);
  const gamma = tf.tensor1d(seeded(c, 2, 1.5));
  const beta = tf.tensor1d(seeded(c, 3));
  const w = tf.tensor4d(seeded(size, 4), shape);
  const fwd = bn(x, gamma, beta, 1e-5);
  const [dx, dgamma, dbeta] = tf.grads((a: tf.Tensor, g: tf.Tensor, b: tf.Tensor) =>
    tf.sum(tf.mul(bn(a as tf.Tensor4D, g as tf.Tensor1D, b as tf.Tensor1D, 1e-5).y, w)),
  )([x, gamma, beta]) as [tf.Tensor, tf.Tensor, tf.Tensor];
  const out = {
    y: fwd.y.dataSync() as Float32Array,
    mean: fwd.mean.dataSync() as Float32Array,
    variance: fwd.variance.dataSync() as Float32Array,
    dx: dx.dataSync() as Float32Array,
    dgamma: dgamma.dataSync() as Float32Array,
    dbeta: dbeta.dataSync() as Float32Array,
  };
  tf.dispose([x, gamma, beta, w, fwd.y, fwd.mean, fwd.variance, dx, dgamma, dbeta]);
  return out;
}

describe('fused BatchNorm (training mode) kernels', () => {
  beforeAll(async () => {
    await initBackend('wasm', { log: () => undefined });
  });

  // The second shape spans two 4096-float tiles of the kernels, the last one partial.
  const shapes: [number, number, number, number][] = [
    [3, 5, 4, 6],
    [4, 16, 16, 5],
  ];
  for (const backend of ['cpu', 'wasm']) {
    it.each(shapes)(
      `match tfjs autodiff of moments + batchNorm (${backend}, %i×%i×%i×%i)`,
      async (...shape) => {
        await tf.setBackend('cpu');
        const ref = run(batchNormTrainComposed, shape);
        await tf.setBackend(backend);
        const ours = run(batchNormTrain, shape);
        for (const key of Object.keys(ref)) {
          expect(relErr(ours[key] ?? [], ref[key] ?? []), key).toBeLessThan(1e-5);
        }
      },
    );
  }

  it('return the biased batch variance', async () => {
    await tf.setBackend('wasm');
    const x = tf.tensor4d([1, 2, 3, 6], [4, 1, 1, 1]);
    const r = batchNormTrain(x, tf.ones([1]), tf.zeros([1]), 1e-5);
    expect(r.mean.dataSync()[0]).toBeCloseTo(3, 6);
    expect(r.variance.dataSync()[0]).toBeCloseTo(3.5, 6);
  });

  it('addRelu and its gradient match relu(addN) on every summand', async () => {
    await tf.setBackend('wasm');
    const shape: [number, number, number, number] = [2, 3, 3, 4];
    const ts = [1, 2, 3].map((s) => tf.tensor4d(seeded(72, s), shape));
    const w = tf.tensor4d(seeded(72, 9), shape);
    const loss =
      (f: (t: tf.Tensor4D[]) => tf.Tensor) => (a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) =>
        tf.sum(tf.mul(f([a, b, c] as tf.Tensor4D[]), w));
    const ours = tf.grads(loss(addRelu))(ts);
    const ref = tf.grads(loss((t) => tf.relu(tf.addN(t))))(ts);
    expect(relErr(addRelu(ts).dataSync(), tf.relu(tf.addN(ts)).dataSync())).toBeLessThan(1e-6);
    expect(ours).toHaveLength(3);
    ours.forEach((g, i) => {
      expect(relErr(g.dataSync(), ref[i]?.dataSync() ?? [])).toBeLessThan(1e-6);
    });
  });
});
