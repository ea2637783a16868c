import { tf } from '@repvgg/core/compute/tf';
import type { ReplicaModel } from './replica-model';
import { MissingParameterError } from './step.error';

/** Writes host weights into a model's variables. */
export function uploadParams(model: ReplicaModel, params: ReadonlyMap<string, Float32Array>): void {
  for (const [key, v] of model.trainableVariables()) {
    const data = params.get(key);
    if (data === undefined) throw new MissingParameterError(key);
    tf.tidy(() => {
      v.assign(tf.tensor(data, v.shape, 'float32'));
    });
  }
}
