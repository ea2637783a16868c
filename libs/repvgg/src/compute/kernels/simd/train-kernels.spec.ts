import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { beforeAll, describe, expect, it } from 'vitest';
import { seededFloats as seeded } from '../../../testing/seeded-floats';
import { activeWasmBackend } from '../../../testing/wasm-backend';
import { addRelu, reluBackward } from '../batch-norm.math';
import { addReluWasm, reluBackwardWasm, trainKernels } from './train-kernels';

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

  it('is instantiated once per backend memory', () => {
    expect(trainKernels(backend)).toBe(trainKernels(backend));
  });
});
