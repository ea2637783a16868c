import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { tf } from '../tf';
import type { PatchGeometry } from './im2col';
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

/** Images per im2col/col2im chunk so that a chunk's patch matrix stays under `maxFloats`. */
export function imagesPerChunk(info: tf.backend_util.Conv2DInfo, maxFloats: number): number {
  const perImage =
    info.filterHeight * info.filterWidth * info.inChannels * info.outHeight * info.outWidth;
  return Math.max(1, Math.min(info.batchSize, Math.floor(maxFloats / perImage)));
}

/** dy [N, outH, outW, Cout] as the [N·outH·outW, Cout] matrix both conv gradients multiply. */
export function dyMatrix(
  backend: BackendWasm,
  dy: tf.TensorInfo,
  info: tf.backend_util.Conv2DInfo,
): tf.TensorInfo {
  return single(
    wasmKernel('Reshape')({
      inputs: { x: dy },
      backend,
      attrs: { shape: [info.batchSize * info.outHeight * info.outWidth, info.outChannels] },
    }),
  );
}

/**
 * The rows of `dy2d` (from `dyMatrix`) that belong to images [first, first + images): `dy2d`
 * itself when that is the whole batch, else a new tensor the caller disposes.
 */
export function dyRowsOfImages(
  backend: BackendWasm,
  dy2d: tf.TensorInfo,
  info: tf.backend_util.Conv2DInfo,
  first: number,
  images: number,
): tf.TensorInfo {
  if (images === info.batchSize) return dy2d;
  const pixelsPerImage = info.outHeight * info.outWidth;
  return single(
    wasmKernel('Slice')({
      inputs: { x: dy2d },
      backend,
      attrs: {
        begin: [first * pixelsPerImage, 0],
        size: [images * pixelsPerImage, info.outChannels],
      },
    }),
  );
}

export function patchGeometry(info: tf.backend_util.Conv2DInfo, images: number): PatchGeometry {
  return {
    batch: images,
    inHeight: info.inHeight,
    inWidth: info.inWidth,
    inChannels: info.inChannels,
    outHeight: info.outHeight,
    outWidth: info.outWidth,
    filterHeight: info.filterHeight,
    filterWidth: info.filterWidth,
    strideHeight: info.strideHeight,
    strideWidth: info.strideWidth,
    padTop: info.padInfo.top,
    padLeft: info.padInfo.left,
  };
}

/**
 * Patch matrices above this many floats are built per chunk of images, so the gradients of a large
 * layer (A0's stage1 at 224², batch 32: 43 M floats) do not need the whole im2col at once.
 */
export const DEFAULT_MAX_PATCH_FLOATS = 1 << 24;
