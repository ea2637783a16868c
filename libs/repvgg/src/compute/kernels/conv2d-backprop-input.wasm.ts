import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { tf } from '../tf';
import { col2imAddWasm, heapOffset, trainKernels } from './simd/train-kernels';
import {
  DEFAULT_MAX_PATCH_FLOATS,
  dyMatrix,
  dyRowsOfImages,
  imagesPerChunk,
  patchGeometry,
  single,
  wasmKernel,
} from './wasm-kernel-utils';

interface BackpropInputAttrs {
  readonly strides: number | [number, number];
  readonly pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
  readonly dataFormat: 'NHWC' | 'NCHW';
  readonly dimRoundingMode?: 'floor' | 'round' | 'ceil';
  readonly inputShape: [number, number, number, number];
}

interface KernelArgs {
  inputs: tf.NamedTensorInfoMap;
  backend: BackendWasm;
  attrs?: tf.NamedAttrMap;
}

/** Writes `w` [kh, kw, ci, co] into `out` as [fh−1−kh, fw−1−kw, co, ci]: the kernel of the adjoint conv. */
function rotateFilter(w: Float32Array, shape: readonly number[], out: Float32Array): void {
  const [fh, fw, ci, co] = shape as [number, number, number, number];
  for (let kh = 0; kh < fh; kh++) {
    for (let kw = 0; kw < fw; kw++) {
      const src = (kh * fw + kw) * ci * co;
      const dst = ((fh - 1 - kh) * fw + (fw - 1 - kw)) * co * ci;
      for (let i = 0; i < ci; i++) {
        for (let o = 0; o < co; o++) out[dst + o * ci + i] = w[src + i * co + o];
      }
    }
  }
}

/** [K, Cout] → [Cout, K] for a small filter matrix. */
function transposeInto(w: Float32Array, rows: number, cols: number, out: Float32Array): void {
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) out[c * rows + r] = w[r * cols + c];
  }
}

/**
 * dx for a stride-1 conv is itself a stride-1 conv of dy with the rotated, transposed filter, so
 * XNNPACK's forward convolution does all the work.
 */
function viaForwardConv(
  backend: BackendWasm,
  dy: tf.TensorInfo,
  filter: tf.TensorInfo,
  info: tf.backend_util.Conv2DInfo,
): tf.TensorInfo {
  const { filterHeight: fh, filterWidth: fw, padInfo } = info;
  const rotated = backend.makeOutput([fh, fw, info.outChannels, info.inChannels], 'float32');
  rotateFilter(
    backend.typedArrayFromHeap(filter) as Float32Array,
    filter.shape,
    backend.typedArrayFromHeap(rotated) as Float32Array,
  );
  const dx = single(
    wasmKernel('Conv2D')({
      inputs: { x: dy, filter: rotated },
      backend,
      attrs: {
        strides: 1,
        dilations: 1,
        dataFormat: 'NHWC',
        pad: [
          [0, 0],
          [fh - 1 - padInfo.top, fh - 1 - padInfo.bottom],
          [fw - 1 - padInfo.left, fw - 1 - padInfo.right],
          [0, 0],
        ],
      },
    }),
  );
  backend.disposeData(rotated.dataId);
  return dx;
}

/** Strided convs: patch gradients dy · Wᵀ by XNNPACK matMul, then scattered back by col2im. */
function viaCol2im(
  backend: BackendWasm,
  dy: tf.TensorInfo,
  filter: tf.TensorInfo,
  info: tf.backend_util.Conv2DInfo,
  maxPatchFloats: number,
): tf.TensorInfo {
  const patch = info.filterHeight * info.filterWidth * info.inChannels;
  const imageSize = info.inHeight * info.inWidth * info.inChannels;
  const chunk = imagesPerChunk(info, maxPatchFloats);
  const matMul = wasmKernel('BatchMatMul');

  const dx = backend.makeOutput([...info.inShape], 'float32');
  const filterT = backend.makeOutput([info.outChannels, patch], 'float32');
  transposeInto(
    backend.typedArrayFromHeap(filter) as Float32Array,
    patch,
    info.outChannels,
    backend.typedArrayFromHeap(filterT) as Float32Array,
  );
  (backend.typedArrayFromHeap(dx) as Float32Array).fill(0);
  const dy2d = dyMatrix(backend, dy, info);
  for (let first = 0; first < info.batchSize; first += chunk) {
    const images = Math.min(chunk, info.batchSize - first);
    const dyChunk = dyRowsOfImages(backend, dy2d, info, first, images);
    const cols = single(
      matMul({
        inputs: { a: dyChunk, b: filterT },
        backend,
        attrs: { transposeA: false, transposeB: false },
      }),
    );
    col2imAddWasm(
      trainKernels(backend),
      heapOffset(backend, cols.dataId),
      patchGeometry(info, images),
      heapOffset(backend, dx.dataId) + 4 * first * imageSize,
    );
    backend.disposeData(cols.dataId);
    if (dyChunk !== dy2d) backend.disposeData(dyChunk.dataId);
  }
  backend.disposeData(dy2d.dataId);
  backend.disposeData(filterT.dataId);
  return dx;
}

/**
 * The wasm backend's own Conv2DBackpropInput is a scalar loop; this one runs on XNNPACK. NCHW
 * inputs go to the built-in kernel.
 */
export function conv2dBackpropInputWasmConfig(
  builtIn: tf.KernelFunc,
  maxPatchFloats = DEFAULT_MAX_PATCH_FLOATS,
): tf.KernelConfig {
  const kernelFunc = (args: KernelArgs): tf.TensorInfo => {
    const attrs = args.attrs as unknown as BackpropInputAttrs;
    const { dy, filter } = args.inputs;
    if (dy === undefined || filter === undefined) {
      throw new Error('Conv2DBackpropInput needs dy and filter');
    }
    const info = tf.backend_util.computeConv2DInfo(
      attrs.inputShape,
      filter.shape as [number, number, number, number],
      attrs.strides,
      1,
      attrs.pad,
      attrs.dimRoundingMode,
      false,
      tf.backend_util.convertConv2DDataFormat(attrs.dataFormat),
    );
    if (info.dataFormat !== 'channelsLast') return single(builtIn(args));
    const p = info.padInfo;
    const adjointPadsValid =
      Math.max(p.top, p.bottom) < info.filterHeight && Math.max(p.left, p.right) < info.filterWidth;
    if (info.strideHeight === 1 && info.strideWidth === 1 && adjointPadsValid) {
      return viaForwardConv(args.backend, dy, filter, info);
    }
    return viaCol2im(args.backend, dy, filter, info, maxPatchFloats);
  };
  return {
    kernelName: 'Conv2DBackpropInput',
    backendName: 'wasm',
    kernelFunc: kernelFunc as unknown as tf.KernelFunc,
  };
}
