import { registerKernels } from '../kernels/register-kernels';
import {
  WINOGRAD_CONV,
  WINOGRAD_FILTER,
  winogradChannelsFit,
  type WinogradConvAttrs,
  type WinogradFilterAttrs,
} from '../kernels/winograd-conv.wasm';
import { tf } from '../tf';

/**
 * Whether a 3×3 convolution of `filter` (HWIO, [3, 3, cin/groups, cout] when grouped) runs as
 * Winograd F(2×2, 3×3) here: on the wasm backend (winograd.wat), stride 1 (padding 1), each group's
 * input channels by 4 and output channels by 8. Elsewhere the caller keeps tfjs's convolution.
 */
export function winogradApplies(
  filterShape: readonly number[],
  stride: number,
  groups = 1,
): boolean {
  const [kh, kw, cinG, cout] = filterShape as [number, number, number, number];
  if (kh !== 3 || kw !== 3 || stride !== 1) return false;
  if (!winogradChannelsFit(cinG * groups, cout, groups)) return false;
  registerKernels();
  return (
    (tf.getKernel(WINOGRAD_CONV, tf.getBackend()) as tf.KernelConfig | undefined) !== undefined
  );
}

/** A transformed filter, the output channels it makes and its groups. */
export interface WinogradFilter {
  readonly u: tf.Tensor1D;
  readonly outChannels: number;
  readonly groups: number;
}

/**
 * G g Gᵀ of an HWIO 3×3 filter ([3, 3, cin/groups, cout] when grouped), once per filter: the operand
 * of `winogradConv2d`.
 */
export function winogradFilter(filter: tf.Tensor4D, groups = 1): WinogradFilter {
  registerKernels();
  const attrs: WinogradFilterAttrs = { groups };
  const u = tf
    .engine()
    .runKernel<tf.Tensor1D>(WINOGRAD_FILTER, { filter }, attrs as unknown as tf.NamedAttrMap);
  return { u, outChannels: filter.shape[3], groups };
}

/**
 * conv2d(x, g, stride 1, padding 1) [+ bias] [then ReLU] for NHWC x, from g's transform; grouped as
 * PyTorch's `groups` when g was. Inference only: it has no gradient. Its results differ from the
 * direct convolution's by float rounding.
 */
export function winogradConv2d(
  x: tf.Tensor4D,
  filter: WinogradFilter,
  bias?: tf.Tensor1D,
  relu = false,
): tf.Tensor4D {
  const attrs: WinogradConvAttrs = { outChannels: filter.outChannels, groups: filter.groups, relu };
  const inputs: tf.NamedTensorMap =
    bias === undefined ? { x, u: filter.u } : { x, u: filter.u, bias };
  return tf
    .engine()
    .runKernel<tf.Tensor4D>(WINOGRAD_CONV, inputs, attrs as unknown as tf.NamedAttrMap);
}
