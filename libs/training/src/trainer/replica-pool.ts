import type { GradientPacket } from '../step/gradient-packet';
import type { ReplicaBatch } from '../step/replica-model';

/**
 * Computes the summed packet of a step's replicas for the given weights (in the compute model's
 * variable layout). In-process or spread over threads: the packet is the same either way.
 */
export interface ReplicaPool {
  readonly lanes: number;
  compute(
    params: ReadonlyMap<string, Float32Array>,
    replicas: readonly ReplicaBatch[],
  ): Promise<GradientPacket>;
  close(): Promise<void>;
}
