import type { ReplicaBatch } from '../step/replica-model';

/** The training batches of each epoch, already cut into the step's micro-batches and prefetched. */
export interface TrainBatchSource {
  readonly stepsPerEpoch: number;
  /** Steps `fromStep`… of `epoch`, each as its V micro-batches in replica order. */
  epoch(epoch: number, fromStep: number): AsyncIterable<readonly ReplicaBatch[]>;
}

/** The validation split in evaluation batches. */
export interface ValBatchSource {
  readonly size: number;
  batches(): AsyncIterable<ReplicaBatch>;
}
