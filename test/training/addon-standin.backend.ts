import { isMainThread } from 'node:worker_threads';
import { registerKernels } from '@repvgg/core/compute/kernels/register-kernels';
import { tf } from '@repvgg/core/compute/tf';

/**
 * A STAND-IN for @tensorflow/tfjs-node(-gpu), which cannot be installed here (its install downloads
 * libtensorflow) — it reproduces the one property the lane rule is about: the native addon loads on
 * the main thread of a process and refuses any worker thread with "Module did not self-register"
 * (tensorflow/tfjs#8388, #2079). On a main thread it computes with the cpu backend's kernels.
 */
export const STANDIN_BACKEND = 'addon-standin';

tf.registerBackend(STANDIN_BACKEND, () => {
  if (!isMainThread) {
    throw new Error(
      'Module did not self-register: tfjs_binding.node (stand-in for tfjs-node in a worker thread)',
    );
  }
  registerKernels();
  for (const kernel of tf.getKernelsForBackend('cpu')) {
    tf.registerKernel({ ...kernel, backendName: STANDIN_BACKEND });
  }
  return new tf.MathBackendCPU();
});
