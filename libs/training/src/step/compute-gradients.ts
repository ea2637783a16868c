import { floatCopy } from '@repvgg/core/compute/host-read';
import { tf } from '@repvgg/core/compute/tf';
import { crossEntropySum } from './cross-entropy.loss';
import { addPacket, emptyPacket, type GradientPacket } from './gradient-packet';
import type { BnBatchStats, ReplicaBatch, ReplicaModel } from './replica-model';
import { replicaTail } from './replica-tail';
import { NoGradientError } from './step.error';

export interface StepGeometry {
  /** Samples in the whole step across every replica of every worker. */
  readonly globalBatch: number;
  readonly labelSmoothing: number;
  /** H·W seen by each BatchNorm per sample (`bnSpatialSizes`). */
  readonly bnSpatial: ReadonlyMap<string, number>;
}

/**
 * Runs each micro-batch forward with its own BatchNorm batch statistics and backward, and sums the
 * gradients of Σloss/globalBatch and the BN statistics into one packet. The packet does not depend on
 * which process computed which replica, so workers can sum their packets (all-reduce) before
 * `applyGradients`.
 */
export function computeGradients(
  model: ReplicaModel,
  replicas: readonly ReplicaBatch[],
  geometry: StepGeometry,
): GradientPacket {
  const packet = emptyPacket();
  for (const mb of replicas) addPacket(packet, computeReplicaGradients(model, mb, geometry));
  return packet;
}

/** One replica's packet (for collectives that sum per-replica contributions, e.g. deterministic mode). */
export function computeReplicaGradients(
  model: ReplicaModel,
  mb: ReplicaBatch,
  geometry: StepGeometry,
): GradientPacket {
  const variables = model.trainableVariables();
  const varList = [...variables.values()];
  const n = mb.shape[0];
  const kept: tf.Tensor[] = [];
  const stats = new Map<string, BnBatchStats>();
  const held: { loss?: tf.Scalar; correct?: tf.Scalar } = {};
  const { value, grads } = tf.tidy(() => {
    const x = tf.tensor4d(mb.images, [...mb.shape]);
    const y = tf.tensor1d(mb.labels, 'int32');
    return tf.variableGrads(() => {
      const out = model.forwardTrain(x);
      for (const [key, s] of out.bnStats) {
        stats.set(key, { mean: tf.keep(s.mean), variance: tf.keep(s.variance) });
        kept.push(s.mean, s.variance);
      }
      const sum = crossEntropySum(out.logits, y, geometry.labelSmoothing);
      held.loss = tf.keep(sum);
      held.correct = tf.keep(tf.equal(out.logits.argMax(1), y).sum<tf.Scalar>());
      kept.push(held.loss, held.correct);
      return sum.div<tf.Scalar>(geometry.globalBatch);
    }, varList);
  });
  try {
    const packet = emptyPacket();
    for (const [key, variable] of variables) {
      const g = grads[variable.name] as tf.Tensor | undefined;
      if (g === undefined) throw new NoGradientError(key);
      packet.grads.set(key, floatCopy(g));
    }
    const tail = replicaTail(
      stats,
      n,
      geometry.bnSpatial,
      held.loss?.dataSync()[0] ?? Number.NaN,
      held.correct?.dataSync()[0] ?? 0,
    );
    for (const [key, v] of tail.bnMean) packet.bnMean.set(key, v);
    for (const [key, v] of tail.bnVar) packet.bnVar.set(key, v);
    packet.lossSum = tail.lossSum;
    packet.correct = tail.correct;
    packet.samples = n;
    packet.replicas = 1;
    return packet;
  } finally {
    tf.dispose([value, ...Object.values(grads), ...kept]);
  }
}
