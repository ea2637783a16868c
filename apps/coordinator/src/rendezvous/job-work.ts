import type { FailureBudgetLimits } from './failure-budget';

/** What a job's generation works on now; null between works. */
export type JobWork =
  | {
      readonly kind: 'shard';
      readonly epoch: number;
      readonly shard: number;
      readonly startStep: number;
      readonly endStep: number;
      readonly resumeStep: number;
      readonly stepsPerEpoch: number;
    }
  | { readonly kind: 'validate'; readonly epoch: number };

/** A running job as the rendezvous needs it. */
export interface RendezvousJob {
  readonly id: string;
  readonly priority: number;
  readonly createdAt: string;
  readonly min: number;
  readonly max: number;
  readonly virtualReplicas: number;
  readonly specJson: string;
  /** The job's folder, relative to the artifact store's root (`store-layout.ts`). */
  readonly artifactDir: string;
  /** The last generation number used (persisted on the job, so numbers grow across restarts). */
  generation: number;
  readonly failureBudget: FailureBudgetLimits;
  /** Store-relative checkpoint folder to start from when no member holds the state; empty: none. */
  checkpoint: string;
}
