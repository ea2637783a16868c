import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { beforeAll, describe, expect, it } from 'vitest';
import { seededFloats as seeded } from '../../../testing/seeded-floats';
import { activeWasmBackend } from '../../../testing/wasm-backend';
import { addRelu, reluBackward } from '../batch-norm.math';
import { col2imAdd, type PatchGeometry } from '../im2col';
import { addReluWasm, col2imAddWasm, reluBackwardWasm, trainKernels } from './train-kernels';

function geometry(
  batch: number,
  [ih, iw, cin]: [number, number, number],
  [fh, fw]: [number, number],
  [sh, sw]: [number, number],
  [pt, pl]: [number, number],
): PatchGeometry {
  const pb = fh - 1 - pt;
  const pr = fw - 1 - pl;
  return {
    batch,
    inHeight: ih,
    inWidth: iw,
    inChannels: cin,
    outHeight: Math.floor((ih + pt + pb - fh) / sh) + 1,
    outWidth: Math.floor((iw + pl + pr - fw) / sw) + 1,
    filterHeight: fh,
    filterWidth: fw,
    strideHeight: sh,
    strideWidth: sw,
    padTop: pt,
    padLeft: pl,
  };
}

const CASES: [string, PatchGeometry][] = [
  ['3×3 s1 p1, 16 channels', geometry(3, [14, 14, 16], [3, 3], [1, 1], [1, 1])],
  ['3×3 s2 p1, 3 channels (stage0)', geometry(2, [28, 28, 3], [3, 3], [2, 2], [1, 1])],
  ['3×3 s2 p1, odd sides, 8 channels', geometry(2, [9, 11, 8], [3, 3], [2, 2], [1, 1])],
  ['1×1 s1, 32 channels', geometry(2, [7, 7, 32], [1, 1], [1, 1], [0, 0])],
  ['1×1 s2, 12 channels', geometry(3, [7, 9, 12], [1, 1], [2, 2], [0, 0])],
  ['3×3 s1 p1, 5 channels, 3 wide', geometry(2, [4, 3, 5], [3, 3], [1, 1], [1, 1])],
  ['3×3 s1 p1, 4 channels, 1×1 image', geometry(2, [1, 1, 4], [3, 3], [1, 1], [1, 1])],
  ['3×3 s2 pad 0 (valid), 4 channels', geometry(2, [9, 9, 4], [3, 3], [2, 2], [0, 0])],
  ['3×3 s2 same (pad 0 top/left), 6 channels', geometry(1, [8, 8, 6], [3, 3], [2, 2], [0, 0])],
];

describe('kernels.wat on the wasm heap', () => {
  let backend: BackendWasm;
  beforeAll(async () => {
    backend = await activeWasmBackend();
  });

  /** Heap tensors holding `values`, then `outputs` NaN-filled ones of `n` floats; `free` frees all. */
  function onHeap(values: readonly Float32Array[], outputs: number, n: number) {
    const infos = [...values.map((v) => v.length), ...Array<number>(outputs).fill(n)].map((len) =>
      backend.makeOutput([len], 'float32'),
    );
    const views = infos.map((info) => backend.typedArrayFromHeap(info) as Float32Array);
    values.forEach((v, i) => {
      views[i].set(v);
    });
    views.slice(values.length).forEach((v) => v.fill(Number.NaN));
    return {
      views,
      free: () => {
        infos.forEach((info) => backend.disposeData(info.dataId));
      },
    };
  }
  const bits = (v: Float32Array): Uint32Array => new Uint32Array(Float32Array.from(v).buffer);
  // lengths around the 4-lane loop's tail, and one large enough to cross many vectors
  const LENGTHS = [1, 3, 4, 7, 8, 1001];

  it.each(LENGTHS)('reluGrad equals reluBackward bit for bit: %i floats', (n) => {
    const dy = seeded(n, 11);
    // y as a ReLU output: zeros (+0) where the seed is negative, and exact ones
    const y = seeded(n, 12).map((v, i) => (i % 5 === 0 ? 1 : (v + Math.abs(v)) * 0.5));
    const expected = new Float32Array(n);
    reluBackward(dy, y, expected);
    const heap = onHeap([dy, y], 1, n);
    const [hdy, hy, hdx] = heap.views;
    reluBackwardWasm(trainKernels(backend), hdy, hy, hdx);
    const got = bits(hdx);
    heap.free();
    expect(got).toEqual(bits(expected));
  });

  it.each(LENGTHS.flatMap((n) => [[n, 2] as const, [n, 3] as const]))(
    'addRelu equals the JavaScript addRelu bit for bit: %i floats, %i terms',
    (n, terms) => {
      const inputs = Array.from({ length: terms }, (_, t) => seeded(n, 20 + t));
      const expected = new Float32Array(n);
      addRelu(inputs, expected);
      const heap = onHeap(inputs, 1, n);
      addReluWasm(trainKernels(backend), heap.views.slice(0, terms), heap.views[terms]);
      const got = bits(heap.views[terms]);
      heap.free();
      expect(got).toEqual(bits(expected));
    },
  );

  it('refuses tensors of different lengths', () => {
    const heap = onHeap([new Float32Array(4), new Float32Array(5)], 1, 4);
    const [a, b, y] = heap.views;
    expect(() => {
      addReluWasm(trainKernels(backend), [a, b], y);
    }).toThrow(/every tensor needs 4/);
    heap.free();
  });

  it.each(CASES)('col2imAdd equals the JavaScript col2imAdd bit for bit: %s', (_, g) => {
    const imageFloats = g.inHeight * g.inWidth * g.inChannels;
    const patch = g.filterHeight * g.filterWidth * g.inChannels;
    const cols = seeded(g.batch * g.outHeight * g.outWidth * patch, 8);
    // dx starts non-zero and the chunk sits one image in, as in the input gradient's later chunks
    const dx0 = seeded((g.batch + 1) * imageFloats, 9);
    const expected = Float32Array.from(dx0);
    col2imAdd(cols, 0, g, expected, imageFloats);
    const heap = onHeap([cols, dx0], 0, 0);
    const [hcols, hdx] = heap.views;
    col2imAddWasm(trainKernels(backend), hcols.byteOffset, g, hdx.byteOffset + 4 * imageFloats);
    const got = bits(hdx);
    heap.free();
    expect(got).toEqual(bits(expected));
  });

  it('is instantiated once per backend memory', () => {
    expect(trainKernels(backend)).toBe(trainKernels(backend));
  });
});
