import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { beforeAll, describe, expect, it } from 'vitest';
import { seededFloats } from '../../../testing/seeded-floats';
import { activeWasmBackend } from '../../../testing/wasm-backend';
import {
  batchNormBackward,
  batchNormForward,
  BN_BACKWARD_F64,
  BN_FORWARD_F64,
} from '../batch-norm.math';
import { wasmBnPasses } from './wasm-bn-passes';

const bits = (v: Float32Array): Uint32Array => new Uint32Array(Float32Array.from(v).buffer);

/** Activations: a per-channel offset and spread, so mean and variance differ by channel. */
function activations(rows: number, c: number, seed: number): Float32Array {
  return seededFloats(rows * c, seed).map((v, i) => (i % c) - 3 + v / 2 ** 18);
}

// [rows, channels]: one tile, several tiles with a partial last one (16 channels: 256 rows a tile),
// the preset's widest layer, 2 channels (one lane pair) and 6 (two pairs side by side, one alone)
const SHAPES: [number, number][] = [
  [10, 16],
  [600, 16],
  [70, 128],
  [5000, 2],
  [300, 6],
];

describe('BatchNorm passes in WebAssembly SIMD', () => {
  let backend: BackendWasm;
  beforeAll(async () => {
    backend = await activeWasmBackend();
  });

  /** Heap tensors holding `values` and `outputs` more of the given lengths; `free` frees all. */
  function onHeap(values: readonly Float32Array[], outputs: readonly number[]) {
    const infos = [...values.map((v) => v.length), ...outputs].map((len) =>
      backend.makeOutput([len], 'float32'),
    );
    return {
      // views after every allocation (the passes' scratch included): growing the heap detaches them
      views: (): Float32Array[] => {
        const views = infos.map((info) => backend.typedArrayFromHeap(info) as Float32Array);
        values.forEach((v, i) => {
          views[i].set(v);
        });
        return views;
      },
      free: () => {
        infos.forEach((info) => {
          backend.disposeData(info.dataId);
        });
      },
    };
  }

  it.each(SHAPES)(
    'forward equals the JavaScript passes bit for bit: %i rows × %i channels',
    (rows, c) => {
      const x = activations(rows, c, 1);
      const gamma = seededFloats(c, 2).map((v) => 1 + v / 2 ** 21);
      const beta = seededFloats(c, 3).map((v) => v / 2 ** 20);
      const expected = [new Float32Array(rows * c), new Float32Array(c), new Float32Array(c)];
      batchNormForward(x, gamma, beta, 1e-5, expected[0], expected[1], expected[2]);
      const heap = onHeap([x, gamma, beta], [rows * c, c, c]);
      const simd = wasmBnPasses(backend, BN_FORWARD_F64(c));
      const [hx, hg, hb, y, mean, variance] = heap.views();
      batchNormForward(hx, hg, hb, 1e-5, y, mean, variance, simd.passes);
      const got = [y, mean, variance].map(bits);
      simd.free();
      heap.free();
      expect(got).toEqual(expected.map(bits));
    },
  );

  it.each(SHAPES)(
    'backward equals the JavaScript passes bit for bit: %i rows × %i channels',
    (rows, c) => {
      const x = activations(rows, c, 4);
      const dy = seededFloats(rows * c, 5).map((v) => v / 2 ** 20);
      const mean = Float32Array.from({ length: c }, (_, k) => k - 3);
      const variance = seededFloats(c, 6).map((v) => 0.5 + Math.abs(v) / 2 ** 20);
      const gamma = seededFloats(c, 7).map((v) => 1 + v / 2 ** 21);
      const expected = [new Float32Array(rows * c), new Float32Array(c), new Float32Array(c)];
      batchNormBackward(dy, x, mean, variance, gamma, 1e-5, expected[0], expected[1], expected[2]);
      const heap = onHeap([dy, x, mean, variance, gamma], [rows * c, c, c]);
      const simd = wasmBnPasses(backend, BN_BACKWARD_F64(c));
      const [hdy, hx, hm, hv, hg, dx, dgamma, dbeta] = heap.views();
      batchNormBackward(hdy, hx, hm, hv, hg, 1e-5, dx, dgamma, dbeta, simd.passes);
      const got = [dx, dgamma, dbeta].map(bits);
      simd.free();
      heap.free();
      expect(got).toEqual(expected.map(bits));
    },
  );

  it('refuses to carve more scratch than it was given', () => {
    const simd = wasmBnPasses(backend, 4);
    simd.passes.f64(3);
    expect(() => simd.passes.f64(2)).toThrow(/scratch exhausted/);
    simd.free();
  });
});
