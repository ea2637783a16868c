import { tf } from '../compute/tf';

/** PyTorch's padding=1 on every side; TF's 'same' pads 0/1 at stride 2 and would misalign branches. */
export const PAD_3X3: [[number, number], [number, number], [number, number], [number, number]] = [
  [0, 0],
  [1, 1],
  [1, 1],
  [0, 0],
];

/**
 * A grouped NHWC convolution (tfjs has none): group i convolves input channels
 * [i·Cin/g, (i+1)·Cin/g) with output channels [i·Cout/g, (i+1)·Cout/g) of the HWIO kernel,
 * as PyTorch's `groups` does.
 */
export function groupedConv2d(
  x: tf.Tensor4D,
  filter: tf.Tensor4D,
  stride: number,
  pad: typeof PAD_3X3 | 'valid',
  groups: number,
): tf.Tensor4D {
  if (groups === 1) return tf.conv2d(x, filter, stride, pad);
  const xs = tf.split<tf.Tensor4D>(x, groups, 3);
  const ws = tf.split(filter, groups, 3);
  return tf.concat(
    xs.map((xi, i) => tf.conv2d(xi, ws[i] as tf.Tensor4D, stride, pad)),
    3,
  );
}

/** relu(conv(x) + bias) with bias and ReLU fused into the convolution where groups allow. */
export function groupedConvBiasRelu(
  x: tf.Tensor4D,
  filter: tf.Tensor4D,
  bias: tf.Tensor1D,
  stride: number,
  groups: number,
): tf.Tensor4D {
  const fused = (xi: tf.Tensor4D, wi: tf.Tensor4D, bi: tf.Tensor1D): tf.Tensor4D =>
    tf.fused.conv2d({
      x: xi,
      filter: wi,
      strides: stride,
      pad: PAD_3X3,
      bias: bi,
      activation: 'relu',
    });
  if (groups === 1) return fused(x, filter, bias);
  const xs = tf.split<tf.Tensor4D>(x, groups, 3);
  const ws = tf.split(filter, groups, 3);
  const bs = tf.split(bias, groups, 0);
  return tf.concat(
    xs.map((xi, i) => fused(xi, ws[i] as tf.Tensor4D, bs[i] as tf.Tensor1D)),
    3,
  );
}
