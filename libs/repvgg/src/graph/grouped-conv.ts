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

/** One group's part of a fused layer: HWIO kernel [3, 3, Cin/g, Cout/g] and its bias [Cout/g]. */
export interface ConvBiasGroup {
  readonly weight: tf.Tensor4D;
  readonly bias: tf.Tensor1D;
}

/**
 * Splits a fused layer's kernel and bias by group once, at load. Splitting inside predict made
 * new filter tensors on every call, and tfjs-backend-wasm caches XNNPACK's packed weights per
 * filter tensor, so each call re-packed every grouped kernel. Takes ownership of both tensors.
 */
export function splitConvBiasGroups(
  weight: tf.Tensor4D,
  bias: tf.Tensor1D,
  groups: number,
): ConvBiasGroup[] {
  if (groups === 1) return [{ weight, bias }];
  const ws = tf.split<tf.Tensor4D>(weight, groups, 3);
  const bs = tf.split<tf.Tensor1D>(bias, groups, 0);
  tf.dispose([weight, bias]);
  return ws.map((w, i) => ({ weight: w, bias: bs[i] }));
}

/**
 * relu(conv(x) + bias) as one FusedConv2D per group (XNNPACK applies bias and ReLU in the
 * convolution's output loop); group i reads input channels [i·Cin/g, (i+1)·Cin/g).
 */
export function groupedConvBiasRelu(
  x: tf.Tensor4D,
  groups: readonly ConvBiasGroup[],
  stride: number,
): tf.Tensor4D {
  const fused = (xi: tf.Tensor4D, g: ConvBiasGroup): tf.Tensor4D =>
    tf.fused.conv2d({
      x: xi,
      filter: g.weight,
      strides: stride,
      pad: PAD_3X3,
      bias: g.bias,
      activation: 'relu',
    });
  if (groups.length === 1) return fused(x, groups[0]);
  const xs = tf.split<tf.Tensor4D>(x, groups.length, 3);
  return tf.concat(
    xs.map((xi, i) => fused(xi, groups[i])),
    3,
  );
}
