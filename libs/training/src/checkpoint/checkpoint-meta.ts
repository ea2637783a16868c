import type { SgdConfig } from '../optim/sgd.optimizer';
import type { LrSchedule } from '../schedule/cosine.schedule';
import type { EpochMetrics } from '../trainer/epoch-metrics';

export const CHECKPOINT_FORMAT = 'repvgg-checkpoint/1';

/** Where training stands: the next step to run is `step` of `epoch` (both 0-based). */
export interface TrainCursor {
  readonly epoch: number;
  readonly step: number;
  /** Optimizer steps applied so far (drives the LR schedule). */
  readonly globalStep: number;
}

/** `state.json` of a checkpoint: everything besides the tensors needed to continue exactly. */
export interface CheckpointMeta {
  readonly format: typeof CHECKPOINT_FORMAT;
  readonly arch: object;
  readonly cursor: TrainCursor;
  /**
   * All training randomness (sample order, augmentation, head init) is keyed by this seed and the
   * cursor, so it is the whole RNG state.
   */
  readonly rng: { readonly seed: number };
  readonly optimizer: SgdConfig;
  readonly schedule: LrSchedule;
  readonly history: readonly EpochMetrics[];
  /** Free-form run settings (batch, replicas, dataset hash, …) for provenance. */
  readonly run: Readonly<Record<string, unknown>>;
}
