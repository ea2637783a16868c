import { tf } from '../tf';
import { KernelUnavailableError } from './kernel.error';

/** A built-in wasm kernel, called directly from inside ours (kernels must not call ops). */
export function wasmKernel(name: string): tf.KernelFunc {
  // getKernel is typed as always finding one but returns undefined when none is registered.
  const kernel = tf.getKernel(name, 'wasm') as tf.KernelConfig | undefined;
  if (kernel === undefined) throw new KernelUnavailableError(name, 'wasm');
  return kernel.kernelFunc;
}

export function single(result: tf.TensorInfo | tf.TensorInfo[]): tf.TensorInfo {
  if (Array.isArray(result)) throw new Error('expected one output from a single-output kernel');
  return result;
}

/**
 * The zero-bordered [batch, height, width, cin] image in which every tap of every output pixel of
 * `info` lies: the input for the filter gradient, the input gradient's accumulator.
 */
export function paddedSize(info: tf.backend_util.Conv2DInfo): { height: number; width: number } {
  const { padInfo: p } = info;
  return {
    height: Math.max(
      p.top + info.inHeight,
      (info.outHeight - 1) * info.strideHeight + info.filterHeight,
    ),
    width: Math.max(
      p.left + info.inWidth,
      (info.outWidth - 1) * info.strideWidth + info.filterWidth,
    ),
  };
}
