import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { tf } from '../tf';
import { UnsupportedConvError } from './kernel.error';
import { heapOffset, im2colTransposedWasm, trainKernels } from './simd/train-kernels';
import {
  DEFAULT_MAX_PATCH_FLOATS,
  dyMatrix,
  dyRowsOfImages,
  imagesPerChunk,
  patchGeometry,
  single,
  wasmKernel,
} from './wasm-kernel-utils';

interface BackpropFilterAttrs {
  readonly strides: number | [number, number];
  readonly pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
  readonly dataFormat: 'NHWC' | 'NCHW';
  readonly dimRoundingMode?: 'floor' | 'round' | 'ceil';
  readonly filterShape: [number, number, number, number];
}

/**
 * dW = patchesᵀ · dy, one XNNPACK matMul per chunk of images; the patches are written straight
 * into the wasm heap by kernels.wat's SIMD im2col, so no tensor crosses into JS memory.
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
  const add = wasmKernel('Add');
  const kernels = trainKernels(backend);

  const rows = info.filterHeight * info.filterWidth * info.inChannels;
  const pixelsPerImage = info.outHeight * info.outWidth;
  const chunk = imagesPerChunk(info, maxPatchFloats);
  const dy2d = dyMatrix(backend, dy, info);
  let total: tf.TensorInfo | undefined;
  for (let first = 0; first < info.batchSize; first += chunk) {
    const images = Math.min(chunk, info.batchSize - first);
    const cols = images * pixelsPerImage;
    const patches = backend.makeOutput([rows, cols], 'float32');
    im2colTransposedWasm(
      kernels,
      heapOffset(backend, x.dataId) + 4 * first * info.inHeight * info.inWidth * info.inChannels,
      patchGeometry(info, images),
      heapOffset(backend, patches.dataId),
    );
    const dyChunk = dyRowsOfImages(backend, dy2d, info, first, images);
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
  if (total === undefined) {
    // An empty batch contributes nothing to the filter gradient.
    const zeros = backend.makeOutput([...attrs.filterShape], 'float32');
    (backend.typedArrayFromHeap(zeros) as Float32Array).fill(0);
    return zeros;
  }
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
