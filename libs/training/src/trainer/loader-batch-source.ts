import {
  microBatchRequests,
  type BatchLoader,
  type MicroBatch as LoadedBatch,
} from '../data/batch-loader';
import type { DatasetSplit } from '../data/dataset-source';
import type { DecodeFailures } from '../data/decode-failures';
import type { ImageTransform } from '../data/transforms/image-transform';
import type { ReplicaBatch } from '../step/replica-model';
import type { TrainBatchSource, ValBatchSource } from './batch-source';

function toReplicaBatch(b: LoadedBatch, t: ImageTransform): ReplicaBatch {
  return {
    images: b.images,
    shape: [b.count, t.height, t.width, t.channels],
    labels: b.labels,
  };
}

/** Groups the loader's prefetched micro-batches into steps of V replicas. */
export class LoaderBatchSource implements TrainBatchSource {
  constructor(
    private readonly loader: BatchLoader,
    private readonly transform: ImageTransform,
    private readonly replicas: number,
  ) {}

  get stepsPerEpoch(): number {
    return this.loader.stepsPerEpoch;
  }

  async *epoch(epoch: number, fromStep: number): AsyncGenerator<readonly ReplicaBatch[]> {
    const lanes = Array.from({ length: this.replicas }, (_, v) => v);
    let step: ReplicaBatch[] = [];
    for await (const b of this.loader.load(
      microBatchRequests(epoch, fromStep, this.stepsPerEpoch, lanes),
    )) {
      step.push(toReplicaBatch(b, this.transform));
      if (step.length === this.replicas) {
        yield step;
        step = [];
      }
    }
  }
}

/** The whole validation split in order, in batches of `batch`, undecodable samples left out. */
export class SplitValSource implements ValBatchSource {
  constructor(
    private readonly split: DatasetSplit,
    private readonly transform: ImageTransform,
    private readonly batch: number,
    private readonly failures: DecodeFailures,
  ) {}

  get size(): number {
    return this.split.size;
  }

  async *batches(): AsyncGenerator<ReplicaBatch> {
    const t = this.transform;
    const sampleSize = t.height * t.width * t.channels;
    for (let start = 0; start < this.split.size; start += this.batch) {
      const n = Math.min(this.batch, this.split.size - start);
      const images = new Float32Array(n * sampleSize);
      const ok = await Promise.all(
        Array.from({ length: n }, (_, k) =>
          t.apply(this.split, { seed: 0, epoch: 0, index: start + k }, images, k * sampleSize),
        ),
      );
      const kept = ok.flatMap((r, k) => {
        if (r.ok) return [k];
        this.failures.record(r.failure);
        return [];
      });
      if (kept.length === 0) continue;
      kept.forEach((k, slot) => {
        if (k !== slot) images.copyWithin(slot * sampleSize, k * sampleSize, (k + 1) * sampleSize);
      });
      yield {
        images: images.subarray(0, kept.length * sampleSize),
        shape: [kept.length, t.height, t.width, t.channels],
        labels: Int32Array.from(kept, (k) => this.split.labels[start + k]),
      };
    }
  }
}
