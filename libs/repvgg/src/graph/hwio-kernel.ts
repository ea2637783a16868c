import { tf } from '../compute/tf';
import { floatData, type StateDict } from '../tensor/host-tensor';
import { oihwToHwio } from './layout';

/** A state-dict conv kernel (OIHW) as the HWIO tensor tfjs convolves with. */
export function hwioKernel(sd: StateDict, key: string): tf.Tensor4D {
  const hwio = oihwToHwio({ shape: sd.get(key)?.shape ?? [], data: floatData(sd, key) });
  return tf.tensor4d(hwio.data, hwio.shape as [number, number, number, number]);
}
