import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { KernelIo } from './kernels/kernel-io';
import { tf } from './tf';

/** The part of the engine that says which backend holds a tensor's data (tfjs-core's readSync routes by it). */
interface EngineState {
  state: { tensorInfo: { get(dataId: object): { backend: object } | undefined } };
}

/**
 * Zero-copy access (`KernelIo`) to the backend that holds `t`, where JavaScript sees its memory:
 * tfjs-backend-wasm (known by the method that maps a tensor onto its heap: asking the engine for
 * 'wasm' by name would initialize it where it is not in use) or a backend that keeps its values in
 * JS arrays as tfjs-backend-cpu does — under any name, e.g. a stand-in built on MathBackendCPU.
 */
function hostIo(t: tf.Tensor): KernelIo | undefined {
  const holder = (tf.engine() as unknown as EngineState).state.tensorInfo.get(t.dataId)?.backend;
  if (typeof (holder as Partial<BackendWasm> | undefined)?.typedArrayFromHeap === 'function') {
    return new KernelIo('wasm', holder as object);
  }
  const data = (holder as { data?: { get?: unknown } } | undefined)?.data;
  return typeof data?.get === 'function' ? new KernelIo('cpu', holder as object) : undefined;
}

function checkFloat32(t: tf.Tensor): void {
  if (t.dtype !== 'float32') throw new Error(`expected a float32 tensor, got ${t.dtype}`);
}

/**
 * A float32 tensor's values without a copy where the backend keeps them in memory JavaScript sees:
 * on wasm a view of the heap (valid until the next tensor allocation may grow the heap: read it at
 * once), on cpu the backend's own array; elsewhere `dataSync()`'s copy. Never write to it.
 */
export function floatView(t: tf.Tensor): Float32Array {
  checkFloat32(t);
  return hostIo(t)?.view(t) ?? (t.dataSync() as Float32Array);
}

/**
 * A float32 tensor's values in an array the caller owns, copied once: the host view's copy on wasm
 * and cpu (where `dataSync()` hands out the backend's own array), `dataSync()`'s own copy elsewhere
 * (tfjs-node, webgl). `Float32Array.from(t.dataSync())` copied twice on wasm, a step's gradients
 * each time.
 */
export function floatCopy(t: tf.Tensor): Float32Array {
  checkFloat32(t);
  return hostIo(t)?.view(t).slice() ?? (t.dataSync() as Float32Array);
}
