import {
  BatchLoader,
  evaluationRequests,
  microBatchRequests,
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
  private readonly loader: BatchLoader;

  constructor(
    private readonly split: DatasetSplit,
    private readonly transform: ImageTransform,
    private readonly batch: number,
    failures: DecodeFailures,
  ) {
    // The validation transform draws no randomness, so the seed is irrelevant; a prefetch of one decodes the
    // next batch while the current one is evaluated without holding more than two batches of pixels.
    this.loader = new BatchLoader({
      split,
      transform,
      seed: 0,
      globalBatch: batch,
      replicas: 1,
      prefetch: 1,
      failures,
    });
  }

  get size(): number {
    return this.split.size;
  }

  async *batches(): AsyncGenerator<ReplicaBatch> {
    for await (const b of this.loader.load(evaluationRequests(this.split.size, this.batch))) {
      if (b.count > 0) yield toReplicaBatch(b, this.transform);
    }
  }
}
