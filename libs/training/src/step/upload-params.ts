import { tf } from '@repvgg/core/compute/tf';
import type { ReplicaModel } from './replica-model';

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

export class MissingParameterError extends Error {
  constructor(key: string) {
    super(
      `the weights sent to a replica lack ${key}: every replica must train the same architecture`,
    );
    this.name = 'MissingParameterError';
  }
}
