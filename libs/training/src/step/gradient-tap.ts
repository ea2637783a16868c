import { tf } from '@repvgg/core/compute/tf';
import type { ParamTap } from './replica-model';

/**
 * A `ParamTap` that reads each variable through an identity whose gradient is the identity too, and
 * hands `onGradient` that gradient as backward reaches it. tfjs walks the tape backwards, so every
 * use of the tapped tensor has added its share by then: `dy` is the variable's whole gradient, the
 * very tensor `tf.variableGrads` returns for it (the tap passes it on unchanged).
 */
export function gradientTap(onGradient: (key: string, dy: tf.Tensor) => void): ParamTap {
  return <R extends tf.Rank>(key: string, v: tf.Tensor<R>): tf.Tensor<R> => {
    const tapped = tf.customGrad((...inputs: (tf.Tensor | tf.GradSaveFunc)[]) => ({
      // Identity shares the variable's buffer (registerKernels): no copy
      value: tf.clone(inputs[0] as tf.Tensor),
      gradFunc: (dy: tf.Tensor | tf.Tensor[]) => {
        const g = Array.isArray(dy) ? dy[0] : dy;
        onGradient(key, g);
        return g;
      },
    }));
    return tapped(v) as tf.Tensor<R>;
  };
}
