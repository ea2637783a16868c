import { tf } from '../compute/tf';
import { floatData, type StateDict } from '../tensor/host-tensor';
import { transposeMatrix } from './layout';

/** The linear layer as matMul operands: weight [in, out] (PyTorch stores [out, in]) and bias. */
export interface Classifier {
  readonly weight: tf.Tensor2D;
  readonly bias: tf.Tensor1D;
}

export function loadClassifier(sd: StateDict): Classifier {
  const weight = transposeMatrix({
    shape: sd.get('linear.weight')?.shape ?? [],
    data: floatData(sd, 'linear.weight'),
  });
  return {
    weight: tf.tensor2d(weight.data, weight.shape as [number, number]),
    bias: tf.tensor1d(floatData(sd, 'linear.bias')),
  };
}

/** Global average pool then the linear layer: the head both RepVGG graphs end with. */
export function classify(h: tf.Tensor4D, c: Classifier): tf.Tensor2D {
  const pooled = tf.mean<tf.Tensor2D>(h, [1, 2]);
  return tf.fused.matMul({ a: pooled, b: c.weight, bias: c.bias }) as tf.Tensor2D;
}
