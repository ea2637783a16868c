import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../backend';
import { tf } from '../tf';

type Pad =
  | 'valid'
  | 'same'
  | number
  | [[number, number], [number, number], [number, number], [number, number]];

interface Case {
  name: string;
  x: [number, number, number, number];
  filter: [number, number, number, number];
  stride: 1 | 2;
  pad: Pad;
}

const P1: Pad = [
  [0, 0],
  [1, 1],
  [1, 1],
  [0, 0],
];

const CASES: Case[] = [
  { name: '3×3 stride 1 pad 1', x: [2, 7, 6, 5], filter: [3, 3, 5, 4], stride: 1, pad: P1 },
  {
    name: '3×3 stride 2 pad 1, even input',
    x: [3, 8, 8, 3],
    filter: [3, 3, 3, 6],
    stride: 2,
    pad: P1,
  },
  {
    name: '3×3 stride 2 pad 1, odd input',
    x: [2, 9, 7, 4],
    filter: [3, 3, 4, 5],
    stride: 2,
    pad: P1,
  },
  { name: '1×1 stride 1 pad 0', x: [2, 5, 5, 6], filter: [1, 1, 6, 3], stride: 1, pad: 0 },
  { name: '1×1 stride 2 pad 0', x: [2, 9, 8, 4], filter: [1, 1, 4, 7], stride: 2, pad: 'valid' },
  { name: "3×3 stride 2 'same'", x: [1, 8, 8, 2], filter: [3, 3, 2, 3], stride: 2, pad: 'same' },
];

function seeded(shape: number[], seed: number): Float32Array {
  let s = seed >>> 0;
  const out = new Float32Array(shape.reduce((a, b) => a * b, 1));
  for (let i = 0; i < out.length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s / 2 ** 31 - 1;
  }
  return out;
}

/** dL/dx and dL/dW for L = Σ conv(x, w)·dy: tfjs routes them through Conv2DBackpropInput/Filter. */
async function convGrads(
  c: Case,
  backend: string,
): Promise<{ dx: Float32Array; dw: Float32Array }> {
  await tf.setBackend(backend);
  const x = tf.tensor4d(seeded(c.x, 1), c.x);
  const w = tf.tensor4d(seeded(c.filter, 3), c.filter);
  const y = tf.conv2d(x, w, c.stride, c.pad);
  const dy = tf.tensor4d(seeded(y.shape, 2), y.shape);
  const [dx, dw] = tf.grads((a: tf.Tensor, b: tf.Tensor) =>
    tf.sum(tf.mul(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, c.stride, c.pad), dy)),
  )([x, w]) as [tf.Tensor, tf.Tensor];
  const out = { dx: (await dx.data()) as Float32Array, dw: (await dw.data()) as Float32Array };
  tf.dispose([x, w, y, dy, dx, dw]);
  return out;
}

function maxRelErr(a: Float32Array, b: Float32Array): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < a.length; i++) {
    num = Math.max(num, Math.abs((a[i] ?? 0) - (b[i] ?? 0)));
    den = Math.max(den, Math.abs(b[i] ?? 0));
  }
  return num / den;
}

describe('wasm convolution gradients (our Conv2DBackpropFilter and Conv2DBackpropInput)', () => {
  beforeAll(async () => {
    await initBackend('wasm', { log: () => undefined });
  });
  afterAll(async () => {
    await tf.setBackend('wasm');
  });

  for (const c of CASES) {
    it(`match the cpu backend: ${c.name}`, async () => {
      const ref = await convGrads(c, 'cpu');
      const got = await convGrads(c, 'wasm');
      expect(got.dw.length).toBe(ref.dw.length);
      expect(maxRelErr(got.dw, ref.dw)).toBeLessThan(1e-5);
      expect(got.dx.length).toBe(ref.dx.length);
      expect(maxRelErr(got.dx, ref.dx)).toBeLessThan(1e-5);
    });
  }

  it('leaves no tensors or heap data behind', async () => {
    await tf.setBackend('wasm');
    await convGrads(CASES[2], 'wasm');
    const before = tf.memory().numTensors;
    const dataIds = tf.engine().backend.numDataIds();
    await convGrads(CASES[2], 'wasm');
    expect(tf.memory().numTensors).toBe(before);
    expect(tf.engine().backend.numDataIds()).toBe(dataIds);
  });
});
