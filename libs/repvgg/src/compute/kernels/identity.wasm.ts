import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import type { tf } from '../tf';

/**
 * wasm's Identity copies its input into a new buffer, and tfjs runs Identity (`clone`) on every
 * tensor the tape saves for the backward pass: one more copy of most activations per training step
 * (~80 per replica of the fashion-mnist preset). Tensors are immutable, and BackendWasm counts
 * references per buffer (its own Reshape shares data the same way), so ours returns the input's
 * buffer with one more reference, as tfjs-backend-cpu's Identity does. Strings keep the built-in.
 */
export function identityWasmConfig(builtIn: tf.KernelFunc): tf.KernelConfig {
  const kernelFunc = (args: {
    inputs: tf.NamedTensorInfoMap;
    backend: BackendWasm;
  }): tf.TensorInfo | tf.TensorInfo[] => {
    const x = args.inputs.x;
    if (x === undefined) throw new Error('Identity needs an input x');
    if (x.dtype === 'string') return builtIn(args);
    args.backend.incRef(x.dataId);
    return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
  };
  return {
    kernelName: 'Identity',
    backendName: 'wasm',
    kernelFunc: kernelFunc as unknown as tf.KernelFunc,
  };
}
