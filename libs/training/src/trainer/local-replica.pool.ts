import { computeGradients, type StepGeometry } from '../step/compute-gradients';
import type { GradientPacket } from '../step/gradient-packet';
import type { ReplicaBatch, ReplicaModel } from '../step/replica-model';
import { uploadParams } from '../step/upload-params';
import type { ReplicaPool } from './replica-pool';

/** All replicas on this thread, one after another, on one model. */
export class LocalReplicaPool implements ReplicaPool {
  readonly lanes = 1;

  constructor(
    private readonly model: ReplicaModel,
    private readonly geometry: StepGeometry,
  ) {}

  compute(
    params: ReadonlyMap<string, Float32Array>,
    replicas: readonly ReplicaBatch[],
  ): Promise<GradientPacket> {
    uploadParams(this.model, params);
    return Promise.resolve(computeGradients(this.model, replicas, this.geometry));
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
