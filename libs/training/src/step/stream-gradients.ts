import { floatView } from '@repvgg/core/compute/host-read';
import { tf } from '@repvgg/core/compute/tf';
import { type BucketPlan, gradientSlots } from './bucket-plan';
import type { StepGeometry } from './compute-gradients';
import { crossEntropySum } from './cross-entropy.loss';
import { gradientTap } from './gradient-tap';
import { tailPart } from './packet-parts';
import { replicaTail } from './replica-tail';
import type { ReplicaBatch, ReplicaModel } from './replica-model';
import { NoGradientError } from './step.error';

/**
 * `computeReplicaGradients` in parts (`BucketPlan`), each handed to `emit` as soon as it is known:
 * the tail (BatchNorm statistics and scalars) once forward is done, then each gradient bucket as
 * backward finishes its last parameter, so that all-reducing it overlaps the rest of backward.
 * Every value has the bits `computeReplicaGradients` gives it. `emit` owns the arrays it gets.
 */
export function streamReplicaGradients(
  model: ReplicaModel,
  mb: ReplicaBatch,
  geometry: StepGeometry,
  plan: BucketPlan,
  emit: (part: number, data: Float32Array) => void,
): void {
  const slots = gradientSlots(plan);
  const parts = plan.buckets.map((b) => new Float32Array(b.length));
  const missing = plan.buckets.map((b) => b.entries.length);
  const seen = new Set<string>();
  const tap = gradientTap((key, dy) => {
    const slot = slots.get(key);
    if (slot === undefined) return;
    if (seen.has(key)) throw new RangeError(`${key} is read twice by one forward pass`);
    seen.add(key);
    parts[slot.part - 1].set(floatView(dy), slot.offset);
    missing[slot.part - 1] -= 1;
    if (missing[slot.part - 1] === 0) emit(slot.part, parts[slot.part - 1]);
  });
  const varList = [...model.trainableVariables().values()];
  const n = mb.shape[0];
  const { value, grads } = tf.tidy(() => {
    const x = tf.tensor4d(mb.images, [...mb.shape]);
    const y = tf.tensor1d(mb.labels, 'int32');
    return tf.variableGrads(() => {
      const out = model.forwardTrain(x, tap);
      const sum = crossEntropySum(out.logits, y, geometry.labelSmoothing);
      const correct = tf.equal(out.logits.argMax(1), y).sum<tf.Scalar>();
      const tail = replicaTail(
        out.bnStats,
        n,
        geometry.bnSpatial,
        sum.dataSync()[0],
        correct.dataSync()[0],
      );
      emit(0, tailPart(plan, tail));
      return sum.div<tf.Scalar>(geometry.globalBatch);
    }, varList);
  });
  tf.dispose([value, ...Object.values(grads)]);
  const lost = [...slots.keys()].find((key) => !seen.has(key));
  if (lost !== undefined) throw new NoGradientError(lost);
}
