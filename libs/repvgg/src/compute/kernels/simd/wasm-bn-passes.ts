import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import type { BnPasses } from '../batch-norm.math';
import { trainKernels } from './train-kernels';

/** BatchNorm passes on the wasm heap, and the scratch they carve their float64 arrays from. */
export interface WasmBnPasses {
  readonly passes: BnPasses;
  /** Frees the scratch; call once the BatchNorm function has returned. */
  free(): void;
}

/**
 * kernels.wat's bnSums/bnAffine as `BnPasses` (bit-identical to JS_BN_PASSES for an even channel
 * count, which the caller checks), with `f64Count` float64s of scratch on the heap. The scratch is
 * allocated here, so call this before taking heap views: allocating can grow the heap and detach
 * them. The passes take heap views (`typedArrayFromHeap`), whose byteOffset is the heap address.
 */
export function wasmBnPasses(backend: BackendWasm, f64Count: number): WasmBnPasses {
  const kernels = trainKernels(backend);
  // one spare float64 to align the first to 8 bytes
  const scratch = backend.makeOutput([2 * f64Count + 2], 'float32');
  let next = 0;
  const f64 = (length: number): Float64Array => {
    const heap = backend.typedArrayFromHeap(scratch);
    const base = Math.ceil(heap.byteOffset / 8) * 8;
    if (next + length > f64Count) throw new Error('BatchNorm scratch exhausted: raise its size');
    const view = new Float64Array(heap.buffer, base + 8 * next, length).fill(0);
    next += length;
    return view;
  };
  const passes: BnPasses = {
    f64,
    sum: (x, tile, acc) => {
      kernels.bnSums(0, x.byteOffset, 0, x.length, acc.length, tile, 0, acc.byteOffset, 0);
    },
    sumSq: (x, tile, mu, acc) => {
      kernels.bnSums(
        1,
        x.byteOffset,
        0,
        x.length,
        acc.length,
        tile,
        mu.byteOffset,
        acc.byteOffset,
        0,
      );
    },
    affine: (x, scale, shift, y) => {
      kernels.bnAffine(
        x.byteOffset,
        0,
        x.length,
        scale.length,
        scale.byteOffset,
        shift.byteOffset,
        0,
        y.byteOffset,
      );
    },
    gradSums: (dy, x, mean, tile, sumDy, sumDyXc) => {
      kernels.bnSums(
        2,
        dy.byteOffset,
        x.byteOffset,
        x.length,
        mean.length,
        tile,
        mean.byteOffset,
        sumDy.byteOffset,
        sumDyXc.byteOffset,
      );
    },
    gradAffine: (dy, x, a, b, bias, dx) => {
      kernels.bnAffine(
        dy.byteOffset,
        x.byteOffset,
        x.length,
        a.length,
        a.byteOffset,
        b.byteOffset,
        bias.byteOffset,
        dx.byteOffset,
      );
    },
  };
  return {
    passes,
    free: () => {
      backend.disposeData(scratch.dataId);
    },
  };
}
