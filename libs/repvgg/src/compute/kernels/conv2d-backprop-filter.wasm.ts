import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { tf } from '../tf';
import { im2colTransposed, type PatchGeometry } from './im2col';
import { KernelUnavailableError, UnsupportedConvError } from './kernel.error';

/**
 * Patch matrices above this many floats are built per chunk of images, so the filter gradient of
 * a large layer (A0's stage1 at 224², batch 32: 43 M floats) does not need its whole im2col at once.
 */
export const DEFAULT_MAX_PATCH_FLOATS = 1 << 24;

interface BackpropFilterAttrs {
  readonly strides: number | [number, number];
  readonly pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
  readonly dataFormat: 'NHWC' | 'NCHW';
  readonly dimRoundingMode?: 'floor' | 'round' | 'ceil';
  readonly filterShape: [number, number, number, number];
}

function wasmKernel(name: string): tf.KernelFunc {
  // getKernel is typed as always finding one but returns undefined when none is registered.
  const kernel = tf.getKernel(name, 'wasm') as tf.KernelConfig | undefined;
  if (kernel === undefined) throw new KernelUnavailableError(name, 'wasm');
  return kernel.kernelFunc;
}

function single(result: tf.TensorInfo | tf.TensorInfo[]): tf.TensorInfo {
  if (Array.isArray(result)) throw new Error('expected one output from a single-output kernel');
  return result;
}

/**
 * dW = patchesᵀ · dy, one XNNPACK matMul per chunk of images; the patches are written straight
 * into the wasm heap so no tensor crosses into JS memory.
 */
function conv2dBackpropFilter(
  args: { inputs: tf.NamedTensorInfoMap; backend: BackendWasm; attrs?: tf.NamedAttrMap },
  maxPatchFloats: number,
): tf.TensorInfo {
  const { inputs, backend } = args;
  const attrs = args.attrs as unknown as BackpropFilterAttrs;
  const x = inputs.x;
  const dy = inputs.dy;
  if (x === undefined || dy === undefined) throw new Error('Conv2DBackpropFilter needs x and dy');
  const info = tf.backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number],
    attrs.filterShape,
    attrs.strides,
    1,
    attrs.pad,
    attrs.dimRoundingMode,
    false,
    tf.backend_util.convertConv2DDataFormat(attrs.dataFormat),
  );
  if (info.dataFormat !== 'channelsLast') throw new UnsupportedConvError('NCHW data format');
  const matMul = wasmKernel('BatchMatMul');
  const reshape = wasmKernel('Reshape');
  const slice = wasmKernel('Slice');
  const add = wasmKernel('Add');

  const rows = info.filterHeight * info.filterWidth * info.inChannels;
  const pixelsPerImage = info.outHeight * info.outWidth;
  const imagesPerChunk = Math.max(
    1,
    Math.min(info.batchSize, Math.floor(maxPatchFloats / (rows * pixelsPerImage))),
  );
  const dy2d = single(
    reshape({
      inputs: { x: dy },
      backend,
      attrs: { shape: [info.batchSize * pixelsPerImage, info.outChannels] },
    }),
  );
  let total: tf.TensorInfo | undefined;
  for (let first = 0; first < info.batchSize; first += imagesPerChunk) {
    const images = Math.min(imagesPerChunk, info.batchSize - first);
    const cols = images * pixelsPerImage;
    const patches = backend.makeOutput([rows, cols], 'float32');
    const geometry: PatchGeometry = {
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
    // Views are taken after makeOutput: growing the heap detaches older ones.
    const xView = backend.typedArrayFromHeap(x) as Float32Array;
    const patchView = backend.typedArrayFromHeap(patches) as Float32Array;
    im2colTransposed(
      xView,
      first * info.inHeight * info.inWidth * info.inChannels,
      geometry,
      patchView,
      0,
    );
    const dyChunk =
      images === info.batchSize
        ? dy2d
        : single(
            slice({
              inputs: { x: dy2d },
              backend,
              attrs: { begin: [first * pixelsPerImage, 0], size: [cols, info.outChannels] },
            }),
          );
    const partial = single(
      matMul({
        inputs: { a: patches, b: dyChunk },
        backend,
        attrs: { transposeA: false, transposeB: false },
      }),
    );
    backend.disposeData(patches.dataId);
    if (dyChunk !== dy2d) backend.disposeData(dyChunk.dataId);
    if (total === undefined) {
      total = partial;
    } else {
      const sum = single(add({ inputs: { a: total, b: partial }, backend }));
      backend.disposeData(total.dataId);
      backend.disposeData(partial.dataId);
      total = sum;
    }
  }
  backend.disposeData(dy2d.dataId);
  if (total === undefined) throw new UnsupportedConvError('an empty batch');
  return { dataId: total.dataId, shape: [...attrs.filterShape], dtype: 'float32' };
}

/** The kernel config; `maxPatchFloats` bounds the im2col scratch (tests lower it to force chunking). */
export function conv2dBackpropFilterWasmConfig(
  maxPatchFloats = DEFAULT_MAX_PATCH_FLOATS,
): tf.KernelConfig {
  const kernelFunc = (args: {
    inputs: tf.NamedTensorInfoMap;
    backend: BackendWasm;
    attrs?: tf.NamedAttrMap;
  }): tf.TensorInfo => conv2dBackpropFilter(args, maxPatchFloats);
  return {
    kernelName: 'Conv2DBackpropFilter',
    backendName: 'wasm',
    kernelFunc: kernelFunc as unknown as tf.KernelFunc,
  };
}
