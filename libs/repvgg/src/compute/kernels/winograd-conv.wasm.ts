import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { tf } from '../tf';
import { heapOffset, trainKernels } from './simd/train-kernels';
import { winogradKernels } from './simd/winograd-kernels';

/** The filter transform: HWIO [3, 3, cin/g, cout] → U, g blocks of 16·(cin/g)·(cout/g) floats. */
export const WINOGRAD_FILTER = 'RepvggWinogradFilter';
/** relu(conv3x3(x, U) + bias), stride 1, padding 1, grouped or not, from a transformed filter. */
export const WINOGRAD_CONV = 'RepvggWinogradConv2D';

/**
 * Tiles per block: a block's input transform, [16, tiles, cin], and products, [16, tiles, cout], stay
 * in cache between the three passes (each pass sweeps the block once; the GEMM sweeps all of U).
 */
const TILE_BLOCK = 32;

export interface WinogradFilterAttrs {
  readonly groups: number;
}

export interface WinogradConvAttrs {
  /** all groups' output channels */
  readonly outChannels: number;
  readonly groups: number;
  readonly relu: boolean;
}

/**
 * Whether winograd.wat takes a group of these channel counts (its SIMD lanes: cin by 4, cout by 8;
 * `groups` split both evenly, as PyTorch's grouped convolution does).
 */
export function winogradChannelsFit(inChannels: number, outChannels: number, groups = 1): boolean {
  const cin = inChannels / groups;
  const cout = outChannels / groups;
  return (
    Number.isInteger(cin) &&
    Number.isInteger(cout) &&
    cin > 0 &&
    cin % 4 === 0 &&
    cout > 0 &&
    cout % 8 === 0
  );
}

/** Floats of one group's transform in U: 16 planes of cin/g × cout/g. */
const groupFloats = (cinG: number, coutG: number): number => 16 * cinG * coutG;

/**
 * U of an HWIO 3×3 filter ([3, 3, cin/groups, cout]) on the heap: the RepvggWinogradFilter kernel,
 * and the stride-1 input gradient's transform of its rotated filter (conv2d-backprop-input.wasm.ts).
 */
export function winogradTransform(
  backend: BackendWasm,
  w: tf.TensorInfo,
  groups: number,
): tf.TensorInfo {
  const [kh, kw, cinG, cout] = w.shape as [number, number, number, number];
  if (kh !== 3 || kw !== 3 || !winogradChannelsFit(cinG * groups, cout, groups)) {
    throw new Error(
      `${WINOGRAD_FILTER}: no kernel for filter shape [${w.shape.join(', ')}] in ${String(groups)} group(s)`,
    );
  }
  const coutG = cout / groups;
  const u = backend.makeOutput([groups * groupFloats(cinG, coutG)], 'float32');
  const [wAt, uAt] = [heapOffset(backend, w.dataId), heapOffset(backend, u.dataId)];
  const k = winogradKernels(backend);
  for (let g = 0; g < groups; g++) {
    k.winogradFilter(
      wAt + 4 * g * coutG,
      uAt + 4 * g * groupFloats(cinG, coutG),
      cinG,
      coutG,
      cout,
    );
  }
  return u;
}

/**
 * relu?(conv3x3(x, U) + bias?), stride 1, padding 1, on the heap: the RepvggWinogradConv2D kernel,
 * and the stride-1 input gradient as a convolution of dy (conv2d-backprop-input.wasm.ts).
 */
export function winogradConvolve(
  backend: BackendWasm,
  x: tf.TensorInfo,
  u: tf.TensorInfo,
  bias: tf.TensorInfo | undefined,
  { outChannels: cout, groups, relu }: WinogradConvAttrs,
): tf.TensorInfo {
  const [n, h, w, cin] = x.shape as [number, number, number, number];
  if (
    !winogradChannelsFit(cin, cout, groups) ||
    u.shape[0] !== groups * groupFloats(cin / groups, cout / groups)
  ) {
    throw new Error(
      `${WINOGRAD_CONV}: U of ${String(u.shape[0])} floats for ${String(cin)} → ${String(cout)} channels in ${String(groups)} group(s)`,
    );
  }
  const out = backend.makeOutput([n, h, w, cout], 'float32');
  const tilesH = Math.ceil(h / 2);
  const tilesW = Math.ceil(w / 2);
  const tiles = n * tilesH * tilesW;
  if (tiles === 0) return out;
  const hp = 2 * tilesH + 2;
  const wp = 2 * tilesW + 2;
  const [cinG, coutG] = [cin / groups, cout / groups];
  const xp = backend.makeOutput([n, hp, wp, cin], 'float32');
  const v = backend.makeOutput([16 * TILE_BLOCK * cinG], 'float32');
  const m = backend.makeOutput([16 * TILE_BLOCK * coutG], 'float32');
  const at = (t: tf.TensorInfo): number => heapOffset(backend, t.dataId);
  const [xpAt, vAt, mAt, uAt, outAt] = [at(xp), at(v), at(m), at(u), at(out)];
  const biasAt = bias === undefined ? 0 : at(bias);
  trainKernels(backend).padImages(at(x), xpAt, n, h, w, cin, hp, wp, 1, 1, 1);
  const k = winogradKernels(backend);
  const grid = [tilesH, tilesW] as const;
  for (let tile0 = 0; tile0 < tiles; tile0 += TILE_BLOCK) {
    const count = Math.min(TILE_BLOCK, tiles - tile0);
    const rows = Math.ceil(count / 4) * 4;
    // Group g reads input channels [g·cinG, (g+1)·cinG) and writes outputs [g·coutG, (g+1)·coutG).
    for (let g = 0; g < groups; g++) {
      const uG = uAt + 4 * g * groupFloats(cinG, coutG);
      const biasG = biasAt === 0 ? 0 : biasAt + 4 * g * coutG;
      k.winogradInput(xpAt + 4 * g * cinG, vAt, tile0, count, TILE_BLOCK, ...grid, wp, cin, cinG);
      k.winogradGemm(vAt, uG, mAt, rows, TILE_BLOCK, cinG, coutG);
      const outG = outAt + 4 * g * coutG;
      k.winogradOutput(
        mAt,
        outG,
        biasG,
        relu ? 1 : 0,
        tile0,
        count,
        TILE_BLOCK,
        ...grid,
        h,
        w,
        coutG,
        cout,
      );
    }
  }
  for (const t of [xp, v, m]) backend.disposeData(t.dataId);
  return out;
}

function filterKernel(args: {
  inputs: tf.NamedTensorInfoMap;
  backend: BackendWasm;
  attrs?: tf.NamedAttrMap;
}): tf.TensorInfo {
  const { groups } = args.attrs as unknown as WinogradFilterAttrs;
  const w = args.inputs.filter;
  if (w === undefined) throw new Error(`${WINOGRAD_FILTER} needs a filter`);
  return winogradTransform(args.backend, w, groups);
}

function convKernel(args: {
  inputs: tf.NamedTensorInfoMap;
  backend: BackendWasm;
  attrs?: tf.NamedAttrMap;
}): tf.TensorInfo {
  const { x, u, bias } = args.inputs;
  if (x === undefined || u === undefined) throw new Error(`${WINOGRAD_CONV} needs x and u`);
  return winogradConvolve(args.backend, x, u, bias, args.attrs as unknown as WinogradConvAttrs);
}

export const winogradFilterWasmConfig: tf.KernelConfig = {
  kernelName: WINOGRAD_FILTER,
  backendName: 'wasm',
  kernelFunc: filterKernel as unknown as tf.KernelFunc,
};

export const winogradConvWasmConfig: tf.KernelConfig = {
  kernelName: WINOGRAD_CONV,
  backendName: 'wasm',
  kernelFunc: convKernel as unknown as tf.KernelFunc,
};
