import type { tf } from '@repvgg/core/compute/tf';

export interface BnBatchStats {
  readonly mean: tf.Tensor1D;
  /** Biased batch variance, as used in the forward pass. */
  readonly variance: tf.Tensor1D;
}

/**
 * What a training forward reads each trainable variable through, by its key (`TrainModel`'s
 * `ParamTap`), e.g. `gradientTap`.
 */
export type ParamTap = <R extends tf.Rank>(key: string, v: tf.Tensor<R>) => tf.Tensor<R>;

/** What a train step needs of the multi-branch model (`TrainModel` in @repvgg/core provides it). */
export interface ReplicaModel {
  forwardTrain(
    x: tf.Tensor4D,
    tap?: ParamTap,
  ): { logits: tf.Tensor2D; bnStats: Map<string, BnBatchStats> };
  trainableVariables(): Map<string, tf.Variable>;
}

/** One replica's share of a step: NHWC float32 images and integer labels. */
export interface ReplicaBatch {
  readonly images: Float32Array;
  readonly shape: readonly [number, number, number, number];
  readonly labels: Int32Array;
}
