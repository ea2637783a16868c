import { tf } from '../tf';
import { winogradApplies, winogradConv2d, winogradFilter } from './winograd-conv.op';

/** PyTorch's padding=1 on every side, as the gradient kernels take it. */
const PAD_1: [[number, number], [number, number], [number, number], [number, number]] = [
  [0, 0],
  [1, 1],
  [1, 1],
  [0, 0],
];

/**
 * The smallest feature map (height and width) a training convolution runs as Winograd on. Below it
 * the per-call work (two filter transforms, the filter's rotation, the padded copy) outweighs the
 * saved multiplies: the Fashion-MNIST preset's 4×4 and 2×2 maps ran no faster (docs/compute.md).
 */
export const WINOGRAD_TRAIN_MIN_SIDE = 8;

/**
 * Whether a training forward's 3×3 convolution of `x` (NHWC) with `filterShape` (HWIO) runs as
 * Winograd: where inference does (winogradApplies), ungrouped, on maps of at least
 * WINOGRAD_TRAIN_MIN_SIDE, and with input channels by 8 too, so that the input gradient — the same
 * convolution of dy with the filter rotated and its channel axes swapped — runs as Winograd as well.
 */
export function winogradTrainApplies(
  x: readonly number[],
  filterShape: readonly number[],
  stride: number,
  groups: number,
): boolean {
  const [, h = 0, w = 0] = x;
  return (
    groups === 1 &&
    Math.min(h, w) >= WINOGRAD_TRAIN_MIN_SIDE &&
    (filterShape[2] ?? 0) % 8 === 0 &&
    winogradApplies(filterShape, stride)
  );
}

/** y = Winograd conv(x, w) on its own transform, which is freed at once. */
function winogradOnce(x: tf.Tensor4D, w: tf.Tensor4D): tf.Tensor4D {
  const f = winogradFilter(w);
  const y = winogradConv2d(x, f);
  f.u.dispose();
  return y;
}

/**
 * conv2d(x, w, stride 1, padding 1) for training, where winogradTrainApplies: forward as Winograd
 * F(2×2, 3×3); backward the convolution's exact gradient, as tfjs's own conv2d gradient computes it —
 * dx = conv(dy, w rotated by 180° with its channel axes swapped), here as Winograd too, and dw from
 * the Conv2DBackpropFilter kernel. The same inputs give the same bits on every run and worker.
 */
export function winogradConv2dTrainable(x: tf.Tensor4D, w: tf.Tensor4D): tf.Tensor4D {
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [xi, wi, save] = args as [tf.Tensor4D, tf.Tensor4D, tf.GradSaveFunc];
    save([xi, wi]);
    return {
      value: winogradOnce(xi, wi),
      gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
        const [xs, ws] = saved as [tf.Tensor4D, tf.Tensor4D];
        const g = dy as tf.Tensor4D;
        const rotated = tf.tidy(() => tf.transpose(tf.reverse(ws, [0, 1]), [0, 1, 3, 2]));
        const dx = winogradOnce(g, rotated);
        rotated.dispose();
        const dw = tf
          .engine()
          .runKernel<tf.Tensor4D>(
            'Conv2DBackpropFilter',
            { x: xs, dy: g },
            { strides: 1, pad: PAD_1, dataFormat: 'NHWC', filterShape: ws.shape },
          );
        return [dx, dw];
      },
    };
  });
  return op(x, w);
}
