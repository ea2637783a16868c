import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { heapModule } from './heap-module';
import { TRAIN_KERNELS_WASM_BASE64 } from './kernels.wasm';

/** kernels.wat's exports; every pointer is a byte offset into tfjs-backend-wasm's heap. */
export interface TrainKernelsWasm {
  padImages(
    x: number,
    xp: number,
    batch: number,
    inHeight: number,
    inWidth: number,
    inChannels: number,
    paddedHeight: number,
    paddedWidth: number,
    padTop: number,
    padLeft: number,
    /** 1: x into the zeroed xp; 0: that window of xp back into x */
    into: 0 | 1,
  ): void;
  pixelTable(
    table: number,
    xp: number,
    batch: number,
    paddedHeight: number,
    paddedWidth: number,
    inChannels: number,
    outHeight: number,
    outWidth: number,
    strideHeight: number,
    strideWidth: number,
  ): void;
  convFilterGrad(
    table: number,
    dy: number,
    dw: number,
    pixels: number,
    rows: number,
    outChannels: number,
    filterWidth: number,
    inChannels: number,
    paddedWidth: number,
    blockPixels: number,
  ): void;
  transposeFilter(w: number, wt: number, rows: number, outChannels: number, rowsP: number): void;
  convInputGrad(
    table: number,
    dy: number,
    wt: number,
    cols: number,
    pixels: number,
    outChannels: number,
    rowsP: number,
    filterHeight: number,
    filterWidth: number,
    inChannels: number,
    paddedWidth: number,
    blockPixels: number,
  ): void;
  reluGrad(dy: number, y: number, dx: number, n: number): void;
  /** `c` = 0: two terms. */
  addRelu(a: number, b: number, c: number, y: number, n: number): void;
  /** mode 0: Σ x; 1: Σ (x − mu)²; 2: Σ dy and Σ dy·(x2 − mean). */
  bnSums(
    mode: 0 | 1 | 2,
    x: number,
    x2: number,
    n: number,
    c: number,
    tile: number,
    mu: number,
    acc: number,
    acc2: number,
  ): void;
  /** x2 = 0: x·a + b; else a·x − b·x2 + bias. */
  bnAffine(
    x: number,
    x2: number,
    n: number,
    c: number,
    a: number,
    b: number,
    bias: number,
    y: number,
  ): void;
}

/**
 * kernels.wat instantiated on `backend`'s own memory (one instance per memory), so its kernels read
 * and write tensors in place (`heapModule`).
 */
export function trainKernels(backend: BackendWasm): TrainKernelsWasm {
  return heapModule(backend, TRAIN_KERNELS_WASM_BASE64) as TrainKernelsWasm;
}

/** Byte offset of a tensor's data in the wasm heap. */
export function heapOffset(backend: BackendWasm, dataId: object): number {
  return backend.getMemoryOffset(dataId);
}

function sameLength(views: readonly Float32Array[], n: number, what: string): void {
  if (views.some((v) => v.length !== n))
    throw new Error(`${what}: every tensor needs ${String(n)} floats`);
}

/**
 * `reluBackward` (../batch-norm.math.ts) in SIMD, on views of the wasm heap (`typedArrayFromHeap`:
 * a view's byteOffset is its heap address).
 */
export function reluBackwardWasm(
  kernels: TrainKernelsWasm,
  dy: Float32Array,
  y: Float32Array,
  dx: Float32Array,
): void {
  sameLength([dy, y], dx.length, 'reluBackward');
  kernels.reluGrad(dy.byteOffset, y.byteOffset, dx.byteOffset, dx.length);
}

/** `addRelu` (../batch-norm.math.ts) of 2 or 3 terms in SIMD, on views of the wasm heap. */
export function addReluWasm(
  kernels: TrainKernelsWasm,
  inputs: readonly Float32Array[],
  y: Float32Array,
): void {
  if (inputs.length < 2 || inputs.length > 3) throw new Error('addRelu takes 2 or 3 inputs');
  sameLength(inputs, y.length, 'addRelu');
  const [a, b, c] = inputs as [Float32Array, Float32Array, Float32Array | undefined];
  kernels.addRelu(a.byteOffset, b.byteOffset, c?.byteOffset ?? 0, y.byteOffset, y.length);
}
