import { beforeAll, describe, expect, it } from 'vitest';
import { activeWasmBackend } from '../../testing/wasm-backend';
import { PAD_3X3 } from '../../graph/grouped-conv';
import { tf } from '../tf';
import { winogradConv2dTrainable, winogradTrainApplies } from './winograd-conv-train.op';

/** max|a − b| / max|b| */
function relDiff(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(
    () => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0] / tf.max(tf.abs(b)).dataSync()[0],
  );
}

describe('Winograd convolution in training (forward and exact gradient)', () => {
  beforeAll(async () => {
    await activeWasmBackend();
  });

  it.each([
    ['A0-like, 14² × 16 → 24, odd batch', [3, 14, 14, 16], 24],
    ['odd sides 9 × 11, 8 → 8', [2, 9, 11, 8], 8],
  ] as const)('matches tfjs conv2d and its gradient within float rounding: %s', (_, xs, cout) => {
    const x = tf.randomUniform<tf.Rank.R4>([...xs], -1, 1, 'float32', 1);
    const w = tf.randomUniform<tf.Rank.R4>([3, 3, xs[3], cout], -1, 1, 'float32', 2);
    // a loss whose gradient differs at every output
    const weights = tf.randomUniform([xs[0], xs[1], xs[2], cout], -1, 1, 'float32', 3);
    const run = (conv: (a: tf.Tensor4D, b: tf.Tensor4D) => tf.Tensor4D) =>
      tf.grads((a: tf.Tensor, b: tf.Tensor) =>
        tf.sum(tf.mul(conv(a as tf.Tensor4D, b as tf.Tensor4D), weights)),
      )([x, w]);
    const y = winogradConv2dTrainable(x, w);
    const ref = tf.conv2d(x, w, 1, PAD_3X3);
    expect(relDiff(y, ref)).toBeLessThan(1e-5);
    const [dx, dw] = run(winogradConv2dTrainable);
    const [rdx, rdw] = run((a, b) => tf.conv2d(a, b, 1, PAD_3X3));
    expect(relDiff(dx, rdx)).toBeLessThan(1e-5);
    // the filter gradient is the same kernel on the same x and dy: the same bits
    expect(relDiff(dw, rdw)).toBe(0);
    tf.dispose([x, w, weights, y, ref, dx, dw, rdx, rdw]);
  });

  it('leaves no tensor behind', () => {
    const x = tf.randomUniform<tf.Rank.R4>([1, 8, 8, 8], -1, 1, 'float32', 4);
    const w = tf.randomUniform<tf.Rank.R4>([3, 3, 8, 8], -1, 1, 'float32', 5);
    const grad = tf.grads((a: tf.Tensor, b: tf.Tensor) =>
      tf.sum(winogradConv2dTrainable(a as tf.Tensor4D, b as tf.Tensor4D)),
    );
    tf.dispose(grad([x, w]));
    const before = tf.memory().numTensors;
    tf.dispose(grad([x, w]));
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([x, w]);
  });

  it('applies to maps of 8 × 8 and more, channels by 8, stride 1, ungrouped', () => {
    expect(winogradTrainApplies([64, 14, 14, 48], [3, 3, 48, 48], 1, 1)).toBe(true);
    expect(winogradTrainApplies([64, 8, 8, 16], [3, 3, 16, 16], 1, 1)).toBe(true);
    // the Fashion-MNIST preset's stride-1 maps
    expect(winogradTrainApplies([64, 4, 4, 32], [3, 3, 32, 32], 1, 1)).toBe(false);
    expect(winogradTrainApplies([64, 14, 14, 48], [3, 3, 48, 48], 2, 1)).toBe(false);
    expect(winogradTrainApplies([64, 14, 14, 48], [3, 3, 24, 48], 1, 2)).toBe(false);
    expect(winogradTrainApplies([64, 14, 14, 12], [3, 3, 12, 48], 1, 1)).toBe(false);
  });
});
