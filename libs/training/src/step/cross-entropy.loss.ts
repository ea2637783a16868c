import { tf } from '@repvgg/core/compute/tf';

/**
 * Σ over the batch of softmax cross-entropy against `(1 − ε)·onehot + ε/K` targets (PyTorch's
 * `label_smoothing=ε`). A sum, not a mean: the caller divides by the global batch so that replica
 * gradients add up to the mean over every sample of the step.
 */
export function crossEntropySum(
  logits: tf.Tensor2D,
  labels: tf.Tensor1D,
  labelSmoothing: number,
): tf.Scalar {
  return tf.tidy(() => {
    const k = logits.shape[1];
    const logp = tf.logSoftmax(logits);
    const onehot = tf.oneHot(labels, k).toFloat();
    const target =
      labelSmoothing > 0 ? onehot.mul(1 - labelSmoothing).add(labelSmoothing / k) : onehot;
    return target.mul(logp).sum().neg() as tf.Scalar;
  });
}
