import type { Architecture, StateDict } from '@repvgg/core';
import type { BucketPlan } from '../step/bucket-plan';
import type { GradientPacket } from '../step/gradient-packet';
import type { ReplicaBatch } from '../step/replica-model';
import type { BatchEvaluation } from '../trainer/validate';

/** What every lane needs; a lane started with this alone only evaluates (`eval-load`, `evaluate`). */
export interface LaneInit {
  readonly arch: Architecture;
  readonly backend: string | undefined;
  /**
   * Modules the lane loads before it activates `backend`, e.g. one that registers a backend that is
   * no built-in choice (`initBackend` accepts any backend registered by then).
   */
  readonly preload?: readonly string[];
}

/** A lane that computes replicas too: the weights it builds its model from and the step's geometry. */
export interface ReplicaWorkerInit extends LaneInit {
  /** Official training state dict the worker builds its model from. */
  readonly weights: StateDict;
  readonly globalBatch: number;
  readonly labelSmoothing: number;
  readonly bnSpatial: ReadonlyMap<string, number>;
}

/** A lane answers its requests one at a time, in the order they were posted. */
export type ReplicaRequest =
  | {
      readonly type: 'compute';
      readonly id: number;
      readonly params: ReadonlyMap<string, Float32Array>;
      readonly replicas: readonly ReplicaBatch[];
      /** Answer one packet per replica instead of their sum (`computeGradients`). */
      readonly each: boolean;
      /**
       * Send each replica's packet in these parts as they become known (`part` replies,
       * `streamReplicaGradients`), then `done`, instead of `packets`.
       */
      readonly stream?: BucketPlan;
    }
  /**
   * Builds the lane's evaluation model (inference-mode BatchNorm) from an official training state
   * dict: trainable weights and running statistics, e.g. TrainState.toStateDict; with `deploy`, from
   * a deploy state dict (a bundle's fused weights) as it is. Replaces any before.
   */
  | {
      readonly type: 'eval-load';
      readonly id: number;
      readonly weights: StateDict;
      readonly deploy?: boolean;
    }
  /** Forward only, on the loaded evaluation model: answered with a `metrics` reply. */
  | { readonly type: 'evaluate'; readonly id: number; readonly batch: ReplicaBatch }
  /** Frees the evaluation model. */
  | { readonly type: 'eval-release'; readonly id: number };

export type ReplicaReply =
  | { readonly type: 'ready'; readonly backend: string }
  /** One packet per replica of the request, in its order, or (without `each`) their sum alone. */
  | { readonly type: 'packets'; readonly id: number; readonly packets: readonly GradientPacket[] }
  | { readonly type: 'metrics'; readonly id: number; readonly metrics: BatchEvaluation }
  /**
   * One part of the packet of the request's `replica`-th replica (a streamed `compute`); more
   * replies of the same request follow.
   */
  | {
      readonly type: 'part';
      readonly id: number;
      readonly replica: number;
      readonly part: number;
      readonly data: Float32Array;
    }
  /** `eval-load`, `eval-release` or a streamed `compute` done. */
  | { readonly type: 'done'; readonly id: number }
  /** With an `id`: that request failed (the lane carries on); without: the lane itself failed. */
  | { readonly type: 'error'; readonly id?: number; readonly message: string };
