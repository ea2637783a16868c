import { ADD_RELU, BN_TRAIN } from '../kernels/batch-norm.kernels';
import { registerKernels } from '../kernels/register-kernels';
import { tf } from '../tf';

export interface BatchNormTrainResult {
  readonly y: tf.Tensor4D;
  /** Per-channel batch mean. */
  readonly mean: tf.Tensor1D;
  /** Per-channel biased batch variance (the one used to normalize). */
  readonly variance: tf.Tensor1D;
}

function hasOwnKernel(name: string): boolean {
  registerKernels();
  return (tf.getKernel(name, tf.getBackend()) as tf.KernelConfig | undefined) !== undefined;
}

/**
 * BatchNorm in training mode over NHWC input: normalizes with the batch statistics and returns
 * them. Our fused kernel on cpu/wasm; elsewhere (tfjs-node) the same math from tfjs ops.
 */
export function batchNormTrain(
  x: tf.Tensor4D,
  gamma: tf.Tensor1D,
  beta: tf.Tensor1D,
  eps: number,
): BatchNormTrainResult {
  if (hasOwnKernel(BN_TRAIN)) {
    const [y, mean, variance] = tf.engine().runKernel<tf.Tensor[]>(
      BN_TRAIN,
      { x, gamma, beta },
      {
        eps,
      },
    ) as [tf.Tensor4D, tf.Tensor1D, tf.Tensor1D];
    return { y, mean, variance };
  }
  return batchNormTrainComposed(x, gamma, beta, eps);
}

/** The reference composition: tfjs autodiff through moments and batchNorm. */
export function batchNormTrainComposed(
  x: tf.Tensor4D,
  gamma: tf.Tensor1D,
  beta: tf.Tensor1D,
  eps: number,
): BatchNormTrainResult {
  const moments = tf.moments(x, [0, 1, 2]);
  const mean = moments.mean as tf.Tensor1D;
  const variance = moments.variance as tf.Tensor1D;
  return { y: tf.batchNorm4d(x, mean, variance, beta, gamma, eps), mean, variance };
}

/** relu(Σ terms): the end of a RepVGG block, one pass where our kernel exists. */
export function addRelu(terms: readonly tf.Tensor4D[]): tf.Tensor4D {
  if (terms.length < 2 || terms.length > 3) throw new Error('addRelu takes 2 or 3 tensors');
  if (hasOwnKernel(ADD_RELU)) {
    const [a, b, c] = terms as [tf.Tensor4D, tf.Tensor4D, tf.Tensor4D | undefined];
    const inputs: tf.NamedTensorMap = c === undefined ? { a, b } : { a, b, c };
    return tf.engine().runKernel<tf.Tensor4D>(ADD_RELU, inputs);
  }
  return tf.relu(tf.addN([...terms]));
}
