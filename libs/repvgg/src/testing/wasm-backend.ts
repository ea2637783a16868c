import { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { initBackend } from '../compute/backend';
import { tf } from '../compute/tf';

/** Activates the wasm backend (with our kernels) quietly and returns it, for specs that use its heap. */
export async function activeWasmBackend(): Promise<BackendWasm> {
  await initBackend('wasm', { log: () => undefined });
  const active = tf.backend();
  if (!(active instanceof BackendWasm)) throw new Error('the wasm backend did not become active');
  return active;
}
