import { tf } from '@repvgg/core/compute/tf';
import { crossEntropySum } from '../step/cross-entropy.loss';
import type { ReplicaBatch } from '../step/replica-model';
import type { ValidationMetrics } from './epoch-metrics';

/** Anything that maps NHWC images to logits with BatchNorm in inference mode. */
export interface Predictor {
  predict(x: tf.Tensor4D): tf.Tensor2D;
}

/** One batch's share of the validation metrics: sums and counts, not yet divided. */
export interface BatchEvaluation {
  readonly images: number;
  readonly lossSum: number;
  readonly top1: number;
  readonly top5: number;
}

/** Summed cross-entropy (no smoothing), top-1 and top-5 hits of `model` on one batch. */
export function evaluateBatch(model: Predictor, b: ReplicaBatch): BatchEvaluation {
  const [lossSum, top1, top5] = tf.tidy(() => {
    const logits = model.predict(tf.tensor4d(b.images, [...b.shape]));
    const labels = tf.tensor1d(b.labels, 'int32');
    const k = Math.min(5, logits.shape[1]);
    const topk = tf.topk(logits, k).indices;
    const hit = topk.equal(labels.expandDims(1)).toFloat();
    return [
      crossEntropySum(logits, labels, 0).dataSync()[0],
      hit.slice([0, 0], [-1, 1]).sum().dataSync()[0],
      hit.sum().dataSync()[0],
    ];
  });
  return { images: b.shape[0], lossSum, top1, top5 };
}

/**
 * Batch evaluations summed in the order they are added (the order fixes the loss's rounding, so a
 * split that adds them in batch order gets the same metrics as one pass).
 */
export class ValidationTotals {
  private images = 0;
  private lossSum = 0;
  private top1 = 0;
  private top5 = 0;

  add(e: BatchEvaluation): void {
    this.images += e.images;
    this.lossSum += e.lossSum;
    this.top1 += e.top1;
    this.top5 += e.top5;
  }

  metrics(seconds: number): ValidationMetrics {
    const n = Math.max(1, this.images);
    return {
      loss: this.lossSum / n,
      top1: this.top1 / n,
      top5: this.top5 / n,
      images: this.images,
      imagesPerSec: this.images / Math.max(seconds, 1e-9),
    };
  }
}

/** Loss, top-1 and top-5 accuracy and throughput of `model` over the batches, on this thread. */
export async function validate(
  model: Predictor,
  batches: AsyncIterable<ReplicaBatch>,
): Promise<ValidationMetrics> {
  const start = performance.now();
  const totals = new ValidationTotals();
  for await (const b of batches) totals.add(evaluateBatch(model, b));
  return totals.metrics((performance.now() - start) / 1000);
}
