import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { tf } from './tf';

/** The part of the engine that says which backend holds a tensor's data (tfjs-core's readSync routes by it). */
interface EngineState {
  state: { tensorInfo: { get(dataId: object): { backend: object } | undefined } };
}

/** tfjs-backend-cpu keeps a tensor's values in a JS array it returns from readSync itself. */
interface CpuLikeBackend {
  data: { get(dataId: object): { values?: unknown } | undefined };
}

function wasmBackendOf(t: tf.Tensor): BackendWasm | undefined {
  const holder = (tf.engine() as unknown as EngineState).state.tensorInfo.get(t.dataId)?.backend;
  // tfjs-backend-wasm's class, known by the method that maps a tensor onto its heap (asking the
  // engine for the 'wasm' backend by name would initialize it where it is not in use)
  return typeof (holder as Partial<BackendWasm> | undefined)?.typedArrayFromHeap === 'function'
    ? (holder as BackendWasm)
    : undefined;
}

/**
 * A float32 tensor's values without a copy where the backend keeps them in memory JavaScript sees:
 * on wasm a view of the heap (valid until the next tensor allocation may grow the heap: read it at
 * once), on cpu the backend's own array; elsewhere `dataSync()`'s copy. Never write to it.
 */
export function floatView(t: tf.Tensor): Float32Array {
  if (t.dtype !== 'float32') throw new Error(`expected a float32 tensor, got ${t.dtype}`);
  const wasm = wasmBackendOf(t);
  if (wasm !== undefined) return wasm.typedArrayFromHeap(t) as Float32Array;
  return t.dataSync() as Float32Array;
}

/**
 * A float32 tensor's values in an array the caller owns, copied once: `dataSync()` already copies on
 * wasm (a slice of the heap), tfjs-node and webgl, but hands out its own array on cpu, which
 * `Float32Array.from(t.dataSync())` copied everywhere — twice on wasm, a step's gradients each time.
 */
export function floatCopy(t: tf.Tensor): Float32Array {
  if (t.dtype !== 'float32') throw new Error(`expected a float32 tensor, got ${t.dtype}`);
  const data = t.dataSync() as Float32Array;
  const holder = (tf.engine() as unknown as EngineState).state.tensorInfo.get(t.dataId)?.backend;
  const stored = (holder as Partial<CpuLikeBackend> | undefined)?.data?.get(t.dataId)?.values;
  return stored === data ? data.slice() : data;
}
