import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { tf } from '../tf';
import { heapOffset, trainKernels, type TrainKernelsWasm } from './simd/train-kernels';
import { paddedSize, single, wasmKernel } from './wasm-kernel-utils';
import { winogradChannelsFit, winogradConvolve, winogradTransform } from './winograd-conv.wasm';

interface BackpropInputAttrs {
  readonly strides: number | [number, number];
  readonly pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
  readonly dataFormat: 'NHWC' | 'NCHW';
  readonly dimRoundingMode?: 'floor' | 'round' | 'ceil';
  readonly inputShape: [number, number, number, number];
  /**
   * The forward convolution ran as Winograd (winograd-conv-train.op.ts): a stride-1 3×3 adjoint
   * runs on winograd.wat too, where its channels fit; otherwise this changes nothing.
   */
  readonly winograd?: boolean;
}

interface KernelArgs {
  inputs: tf.NamedTensorInfoMap;
  backend: BackendWasm;
  attrs?: tf.NamedAttrMap;
}

/**
 * Writes the filter at byte `w`, [kh, kw, ci, co], at byte `out` as [fh−1−kh, fw−1−kw, co, ci]: the
 * kernel of the adjoint conv, one wasm transpose per tap.
 */
function rotateFilter(
  kernels: TrainKernelsWasm,
  w: number,
  shape: readonly number[],
  out: number,
): void {
  const [fh, fw, ci, co] = shape as [number, number, number, number];
  const taps = fh * fw;
  for (let t = 0; t < taps; t++) {
    kernels.transposeFilter(w + 4 * t * ci * co, out + 4 * (taps - 1 - t) * co * ci, ci, co, ci);
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
  winograd: boolean,
): tf.TensorInfo {
  const { filterHeight: fh, filterWidth: fw, padInfo } = info;
  const rotated = backend.makeOutput([fh, fw, info.outChannels, info.inChannels], 'float32');
  rotateFilter(
    trainKernels(backend),
    heapOffset(backend, filter.dataId),
    filter.shape,
    heapOffset(backend, rotated.dataId),
  );
  const pads = [padInfo.top, padInfo.bottom, padInfo.left, padInfo.right];
  if (
    winograd &&
    fh === 3 &&
    fw === 3 &&
    pads.every((p) => p === 1) &&
    winogradChannelsFit(info.outChannels, info.inChannels)
  ) {
    const u = winogradTransform(backend, rotated, 1);
    const attrs = { outChannels: info.inChannels, groups: 1, relu: false };
    const dx = winogradConvolve(backend, dy, u, undefined, attrs);
    for (const t of [u, rotated]) backend.disposeData(t.dataId);
    return dx;
  }
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

/** Output pixels per block of kernels.wat's convInputGrad: a block's patch gradients stay in cache. */
const BLOCK_FLOATS = 4096;

/**
 * Strided convs: kernels.wat's convInputGrad multiplies dy by Wᵀ a block of pixels at a time and
 * scatters each block's patch gradients onto a zero-padded dx (col2im without bounds checks), in
 * the order and with the operations of XNNPACK's BatchMatMul followed by col2im, so the same bits.
 */
function viaPatchGemm(
  backend: BackendWasm,
  dy: tf.TensorInfo,
  filter: tf.TensorInfo,
  info: tf.backend_util.Conv2DInfo,
): tf.TensorInfo {
  const { batchSize: n, outHeight: oh, outWidth: ow, inChannels: cin, outChannels: cout } = info;
  const rows = info.filterHeight * info.filterWidth * cin;
  const rowsP = Math.ceil(rows / 8) * 8;
  const block = Math.max(4, Math.floor(BLOCK_FLOATS / rowsP / 4) * 4);
  const padded = paddedSize(info);
  const dx = backend.makeOutput([...info.inShape], 'float32');
  const copyOut = padded.height !== info.inHeight || padded.width !== info.inWidth;
  // Every allocation before any heap address is taken for a kernel call.
  const scratch = [
    copyOut ? backend.makeOutput([n, padded.height, padded.width, cin], 'float32') : dx,
    backend.makeOutput([cout, rowsP], 'float32'),
    backend.makeOutput([block, rowsP], 'float32'),
    backend.makeOutput([n * oh * ow], 'int32'),
  ] as const;
  const [dxp, wt, cols, table] = scratch.map((t) => heapOffset(backend, t.dataId)) as [
    number,
    number,
    number,
    number,
  ];
  const kernels = trainKernels(backend);
  (backend.typedArrayFromHeap(scratch[0]) as Float32Array).fill(0);
  kernels.transposeFilter(heapOffset(backend, filter.dataId), wt, rows, cout, rowsP);
  const paddedImages = [n, padded.height, padded.width, cin] as const;
  kernels.pixelTable(table, dxp, ...paddedImages, oh, ow, info.strideHeight, info.strideWidth);
  if (n * oh * ow > 0) {
    const taps = [info.filterHeight, info.filterWidth, cin, padded.width] as const;
    kernels.convInputGrad(
      table,
      heapOffset(backend, dy.dataId),
      wt,
      cols,
      n * oh * ow,
      cout,
      rowsP,
      ...taps,
      block,
    );
  }
  if (copyOut) {
    const { top, left } = info.padInfo;
    const image = [n, info.inHeight, info.inWidth, cin] as const;
    kernels.padImages(
      heapOffset(backend, dx.dataId),
      dxp,
      ...image,
      padded.height,
      padded.width,
      top,
      left,
      0,
    );
  }
  for (const t of scratch.slice(copyOut ? 0 : 1)) backend.disposeData(t.dataId);
  return dx;
}

/**
 * The wasm backend's own Conv2DBackpropInput is a scalar loop; this one runs on XNNPACK. NCHW
 * inputs go to the built-in kernel.
 */
export function conv2dBackpropInputWasmConfig(builtIn: tf.KernelFunc): tf.KernelConfig {
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
      return viaForwardConv(args.backend, dy, filter, info, attrs.winograd === true);
    }
    return viaPatchGemm(args.backend, dy, filter, info);
  };
  return {
    kernelName: 'Conv2DBackpropInput',
    backendName: 'wasm',
    kernelFunc: kernelFunc as unknown as tf.KernelFunc,
  };
}
