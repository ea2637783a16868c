import { PAD_3X3 } from '../../graph/grouped-conv';
import { tf } from '../tf';
import { winogradApplies, winogradConv2d, winogradFilter } from './winograd-conv.op';

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

/**
 * conv2d(x, w, stride 1, padding 1) for training, where winogradTrainApplies: forward as Winograd
 * F(2×2, 3×3) on the filter's own transform (freed at once); backward the convolution's exact
 * gradient from the two kernels tfjs's own conv2d gradient calls — Conv2DBackpropInput, asked to run
 * its stride-1 adjoint (the rotated filter) on Winograd too, and Conv2DBackpropFilter. The same inputs
 * give the same bits on every run and worker.
 */
export function winogradConv2dTrainable(x: tf.Tensor4D, w: tf.Tensor4D): tf.Tensor4D {
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [xi, wi, save] = args as [tf.Tensor4D, tf.Tensor4D, tf.GradSaveFunc];
    save([xi, wi]);
    const f = winogradFilter(wi);
    const value = winogradConv2d(xi, f);
    f.u.dispose();
    return {
      value,
      gradFunc: (dys: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
        const [xs, ws] = saved as [tf.Tensor4D, tf.Tensor4D];
        const dy = dys as tf.Tensor4D;
        const attrs = { strides: 1, pad: PAD_3X3, dataFormat: 'NHWC' };
        const dx = tf
          .engine()
          .runKernel<tf.Tensor4D>(
            'Conv2DBackpropInput',
            { dy, filter: ws },
            { ...attrs, inputShape: xs.shape, winograd: true },
          );
        const dw = tf
          .engine()
          .runKernel<tf.Tensor4D>(
            'Conv2DBackpropFilter',
            { x: xs, dy },
            { ...attrs, filterShape: ws.shape },
          );
        return [dx, dw];
      },
    };
  });
  return op(x, w);
}
