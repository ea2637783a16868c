import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { tf } from '../tf';
import { heapOffset, trainKernels } from './simd/train-kernels';
import { winogradKernels } from './simd/winograd-kernels';

/** The filter transform: HWIO [3, 3, cin, cout] → U, 16·cin·cout floats. */
export const WINOGRAD_FILTER = 'RepvggWinogradFilter';
/** relu(conv3x3(x, U) + bias), stride 1, padding 1, from a transformed filter. */
export const WINOGRAD_CONV = 'RepvggWinogradConv2D';

/**
 * Tiles per block: a block's input transform, [16, tiles, cin], and products, [16, tiles, cout], stay
 * in cache between the three passes (each pass sweeps the block once; the GEMM sweeps all of U).
 */
const TILE_BLOCK = 32;

export interface WinogradConvAttrs {
  readonly outChannels: number;
  readonly relu: boolean;
}

/** Whether winograd.wat takes these channel counts (its SIMD lanes: cin by 4, cout by 8). */
export function winogradChannelsFit(inChannels: number, outChannels: number): boolean {
  return inChannels % 4 === 0 && outChannels % 8 === 0 && inChannels > 0 && outChannels > 0;
}

function filterTransform(args: {
  inputs: tf.NamedTensorInfoMap;
  backend: BackendWasm;
}): tf.TensorInfo {
  const { inputs, backend } = args;
  const w = inputs.filter;
  if (w === undefined) throw new Error(`${WINOGRAD_FILTER} needs a filter`);
  const [kh, kw, cin, cout] = w.shape as [number, number, number, number];
  if (kh !== 3 || kw !== 3 || !winogradChannelsFit(cin, cout)) {
    throw new Error(`${WINOGRAD_FILTER}: no kernel for filter shape [${w.shape.join(', ')}]`);
  }
  const u = backend.makeOutput([16 * cin * cout], 'float32');
  winogradKernels(backend).winogradFilter(
    heapOffset(backend, w.dataId),
    heapOffset(backend, u.dataId),
    cin,
    cout,
  );
  return u;
}

function winogradConv(args: {
  inputs: tf.NamedTensorInfoMap;
  backend: BackendWasm;
  attrs?: tf.NamedAttrMap;
}): tf.TensorInfo {
  const { inputs, backend } = args;
  const { outChannels: cout, relu } = args.attrs as unknown as WinogradConvAttrs;
  const { x, u, bias } = inputs;
  if (x === undefined || u === undefined) throw new Error(`${WINOGRAD_CONV} needs x and u`);
  const [n, h, w, cin] = x.shape as [number, number, number, number];
  if (!winogradChannelsFit(cin, cout) || u.shape[0] !== 16 * cin * cout) {
    throw new Error(
      `${WINOGRAD_CONV}: U of ${String(u.shape[0])} floats for ${String(cin)} → ${String(cout)} channels`,
    );
  }
  const out = backend.makeOutput([n, h, w, cout], 'float32');
  const tilesH = Math.ceil(h / 2);
  const tilesW = Math.ceil(w / 2);
  const tiles = n * tilesH * tilesW;
  if (tiles === 0) return out;
  const hp = 2 * tilesH + 2;
  const wp = 2 * tilesW + 2;
  const xp = backend.makeOutput([n, hp, wp, cin], 'float32');
  const v = backend.makeOutput([16 * TILE_BLOCK * cin], 'float32');
  const m = backend.makeOutput([16 * TILE_BLOCK * cout], 'float32');
  const at = (t: tf.TensorInfo): number => heapOffset(backend, t.dataId);
  const [xpAt, vAt, mAt, uAt, outAt] = [at(xp), at(v), at(m), at(u), at(out)];
  const biasAt = bias === undefined ? 0 : at(bias);
  trainKernels(backend).padImages(at(x), xpAt, n, h, w, cin, hp, wp, 1, 1, 1);
  const k = winogradKernels(backend);
  const grid = [tilesH, tilesW] as const;
  for (let tile0 = 0; tile0 < tiles; tile0 += TILE_BLOCK) {
    const count = Math.min(TILE_BLOCK, tiles - tile0);
    k.winogradInput(xpAt, vAt, tile0, count, TILE_BLOCK, ...grid, wp, cin);
    k.winogradGemm(vAt, uAt, mAt, Math.ceil(count / 4) * 4, TILE_BLOCK, cin, cout);
    k.winogradOutput(
      mAt,
      outAt,
      biasAt,
      relu ? 1 : 0,
      tile0,
      count,
      TILE_BLOCK,
      ...grid,
      h,
      w,
      cout,
    );
  }
  for (const t of [xp, v, m]) backend.disposeData(t.dataId);
  return out;
}

export const winogradFilterWasmConfig: tf.KernelConfig = {
  kernelName: WINOGRAD_FILTER,
  backendName: 'wasm',
  kernelFunc: filterTransform as unknown as tf.KernelFunc,
};

export const winogradConvWasmConfig: tf.KernelConfig = {
  kernelName: WINOGRAD_CONV,
  backendName: 'wasm',
  kernelFunc: winogradConv as unknown as tf.KernelFunc,
};
