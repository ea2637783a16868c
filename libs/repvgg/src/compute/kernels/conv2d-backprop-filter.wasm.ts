import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { tf } from '../tf';
import { UnsupportedConvError } from './kernel.error';
import { heapOffset, trainKernels } from './simd/train-kernels';
import { paddedSize } from './wasm-kernel-utils';

interface BackpropFilterAttrs {
  readonly strides: number | [number, number];
  readonly pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
  readonly dataFormat: 'NHWC' | 'NCHW';
  readonly dimRoundingMode?: 'floor' | 'round' | 'ceil';
  readonly filterShape: [number, number, number, number];
}

/** Output pixels per block of kernels.wat's convFilterGrad: a block's dy and input stay in cache. */
const BLOCK_PIXELS = 128;

/** [rows, cols] floats at `src` into a zeroed [rows, stride] matrix at `dst` (stride ≥ cols). */
function widenColumns(src: Float32Array, dst: Float32Array, cols: number, stride: number): void {
  dst.fill(0);
  for (let s = 0, d = 0; s < src.length; s += cols, d += stride) {
    dst.set(src.subarray(s, s + cols), d);
  }
}

/** The first `cols` columns of a [rows, stride] matrix, as [rows, cols]. */
function narrowColumns(src: Float32Array, dst: Float32Array, cols: number, stride: number): void {
  for (let s = 0, d = 0; d < dst.length; s += stride, d += cols) {
    dst.set(src.subarray(s, s + cols), d);
  }
}

/**
 * dW = patchesᵀ · dy without the patches: kernels.wat's convFilterGrad reads each tap straight from
 * a zero-padded copy of x (x itself when no tap reaches outside it), keeping 4 × 8 outputs in
 * registers along K = N·Ho·Wo. Each output sums its products in the order a GEMM along K does, so
 * the result is the bits of im2col followed by XNNPACK's BatchMatMul. Output channels are widened
 * to a multiple of 8 through scratch copies when they are not one already.
 */
function conv2dBackpropFilter(args: {
  inputs: tf.NamedTensorInfoMap;
  backend: BackendWasm;
  attrs?: tf.NamedAttrMap;
}): tf.TensorInfo {
  const { inputs, backend } = args;
  const attrs = args.attrs as unknown as BackpropFilterAttrs;
  const { x, dy } = inputs;
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
  const { batchSize: n, outHeight: oh, outWidth: ow, inChannels: cin, outChannels: cout } = info;
  const rows = info.filterHeight * info.filterWidth * cin;
  const out = backend.makeOutput([...attrs.filterShape], 'float32');
  if (n * oh * ow === 0 || rows * cout === 0) {
    // An empty batch contributes nothing to the filter gradient.
    (backend.typedArrayFromHeap(out) as Float32Array).fill(0);
    return out;
  }
  const padded = paddedSize(info);
  const copyInput = padded.height !== info.inHeight || padded.width !== info.inWidth;
  const stride = Math.ceil(cout / 8) * 8;
  const scratch: tf.TensorInfo[] = [];
  const alloc = (shape: number[]): tf.TensorInfo => {
    const t = backend.makeOutput(shape, 'float32');
    scratch.push(t);
    return t;
  };
  // Every allocation before any heap view: growing the heap detaches views.
  const xp = copyInput ? alloc([n, padded.height, padded.width, cin]) : x;
  const dyWide = stride === cout ? dy : alloc([n * oh * ow, stride]);
  const dwWide = stride === cout ? out : alloc([rows, stride]);
  const table = backend.makeOutput([n * oh * ow], 'int32');
  scratch.push(table);
  const kernels = trainKernels(backend);
  const xpAt = heapOffset(backend, xp.dataId);
  const view = (t: tf.TensorInfo): Float32Array => backend.typedArrayFromHeap(t) as Float32Array;
  if (copyInput) {
    kernels.padImages(
      heapOffset(backend, x.dataId),
      xpAt,
      n,
      info.inHeight,
      info.inWidth,
      cin,
      padded.height,
      padded.width,
      info.padInfo.top,
      info.padInfo.left,
      1,
    );
  }
  if (dyWide !== dy) widenColumns(view(dy), view(dyWide), cout, stride);
  view(dwWide).fill(0);
  const paddedImages = [n, padded.height, padded.width, cin] as const;
  const outPixels = [oh, ow, info.strideHeight, info.strideWidth] as const;
  kernels.pixelTable(heapOffset(backend, table.dataId), xpAt, ...paddedImages, ...outPixels);
  kernels.convFilterGrad(
    heapOffset(backend, table.dataId),
    heapOffset(backend, dyWide.dataId),
    heapOffset(backend, dwWide.dataId),
    n * oh * ow,
    rows,
    stride,
    info.filterWidth,
    cin,
    padded.width,
    BLOCK_PIXELS,
  );
  if (dwWide !== out) narrowColumns(view(dwWide), view(out), cout, stride);
  for (const t of scratch) backend.disposeData(t.dataId);
  return out;
}

export const conv2dBackpropFilterWasmConfig: tf.KernelConfig = {
  kernelName: 'Conv2DBackpropFilter',
  backendName: 'wasm',
  kernelFunc: conv2dBackpropFilter as unknown as tf.KernelFunc,
};
