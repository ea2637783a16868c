import { tf } from '@repvgg/core/compute/tf';
import { crossEntropySum } from '../step/cross-entropy.loss';
import type { ReplicaBatch } from '../step/replica-model';
import type { ValidationMetrics } from './epoch-metrics';

/** Anything that maps NHWC images to logits with BatchNorm in inference mode. */
export interface Predictor {
  predict(x: tf.Tensor4D): tf.Tensor2D;
}

/** Loss, top-1 and top-5 accuracy and throughput of `model` over the batches. */
export async function validate(
  model: Predictor,
  batches: AsyncIterable<ReplicaBatch>,
): Promise<ValidationMetrics> {
  const start = performance.now();
  let images = 0;
  let lossSum = 0;
  let top1 = 0;
  let top5 = 0;
  for await (const b of batches) {
    const [loss, c1, c5] = tf.tidy(() => {
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
    images += b.shape[0];
    lossSum += loss;
    top1 += c1;
    top5 += c5;
  }
  const seconds = (performance.now() - start) / 1000;
  return {
    loss: lossSum / Math.max(1, images),
    top1: top1 / Math.max(1, images),
    top5: top5 / Math.max(1, images),
    images,
    imagesPerSec: images / Math.max(seconds, 1e-9),
  };
}
