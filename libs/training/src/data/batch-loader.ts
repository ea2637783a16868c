import { availableParallelism } from 'node:os';
import type { DatasetSplit } from './dataset-source';
import { DecodeFailures } from './decode-failures';
import { Limiter } from './limiter';
import { EpochOrder } from './sample-order';
import type { ImageTransform } from './transforms/image-transform';

export interface MicroBatchRequest {
  readonly epoch: number;
  readonly step: number;
  readonly replica: number;
  /** Explicit samples (validation); default: the (step, replica) slice of the epoch order. */
  readonly indices?: Uint32Array;
}

export interface MicroBatch extends MicroBatchRequest {
  /** NHWC float32, `count` samples. */
  readonly images: Float32Array;
  readonly labels: Int32Array;
  /** Samples decoded: B/V, less any that failed to decode (counted and named in `failures`). */
  readonly count: number;
  /** Dataset indices of the samples, in batch order. */
  readonly indices: Uint32Array;
}

export interface BatchLoaderOptions {
  readonly split: DatasetSplit;
  readonly transform: ImageTransform;
  /** Job seed: keys the epoch permutations and every sample's augmentation. */
  readonly seed: number;
  readonly globalBatch: number;
  readonly replicas: number;
  /** Micro-batches decoded ahead of the consumer, in flight or ready (default 4): bounds memory. */
  readonly prefetch?: number;
  /** Samples decoded at once (default: the number of cores). */
  readonly concurrency?: number;
  /** Where undecodable samples are counted; default a new counter, see `failures`. */
  readonly failures?: DecodeFailures;
}

export interface LoaderStats {
  /** Time the consumer spent waiting for a batch that was not ready yet. */
  readonly waitMs: number;
  readonly batches: number;
  readonly samples: number;
}

/** The micro-batches of steps [fromStep, toStep) of an epoch, for the replicas this process computes. */
export function* microBatchRequests(
  epoch: number,
  fromStep: number,
  toStep: number,
  replicas: readonly number[],
): Generator<MicroBatchRequest> {
  for (let step = fromStep; step < toStep; step++) {
    for (const replica of replicas) yield { epoch, step, replica };
  }
}

/**
 * Every sample of a split once, in index order, in batches of `batchSize` (the last one may be short):
 * validation must see the tail that training drops.
 */
export function* evaluationRequests(size: number, batchSize: number): Generator<MicroBatchRequest> {
  if (!Number.isInteger(batchSize) || batchSize < 1) {
    throw new RangeError(`batch size must be a positive integer, got ${batchSize}`);
  }
  for (let step = 0; step * batchSize < size; step++) {
    const start = step * batchSize;
    const indices = new Uint32Array(Math.min(batchSize, size - start));
    for (let k = 0; k < indices.length; k++) indices[k] = start + k;
    yield { epoch: 0, step, replica: 0, indices };
  }
}

/**
 * Decodes and augments micro-batches ahead of the trainer: requests are started in order as soon as
 * fewer than `prefetch` are pending, sample decodes share one concurrency limit (earlier batches
 * first), and batches are handed out in request order.
 */
export class BatchLoader {
  readonly failures: DecodeFailures;
  private readonly limiter: Limiter;
  private readonly prefetch: number;
  private readonly orders = new Map<number, EpochOrder>();
  private waitMs = 0;
  private batches = 0;
  private samples = 0;

  constructor(private readonly opts: BatchLoaderOptions) {
    this.failures = opts.failures ?? new DecodeFailures();
    this.limiter = new Limiter(opts.concurrency ?? Math.max(1, availableParallelism()));
    this.prefetch = opts.prefetch ?? 4;
    if (!Number.isInteger(this.prefetch) || this.prefetch < 1) {
      throw new RangeError(`prefetch must be a positive integer, got ${this.prefetch}`);
    }
  }

  /** The sample order of an epoch (the last two are kept: a request list may cross an epoch boundary). */
  order(epoch: number): EpochOrder {
    let order = this.orders.get(epoch);
    if (order === undefined) {
      const { split, seed, globalBatch, replicas } = this.opts;
      order = new EpochOrder(split.size, seed, epoch, globalBatch, replicas);
      this.orders.set(epoch, order);
      for (const e of this.orders.keys())
        if (this.orders.size > 2 && e !== epoch) this.orders.delete(e);
    }
    return order;
  }

  /** Steps per epoch (the tail that does not fill a global batch is dropped). */
  get stepsPerEpoch(): number {
    return Math.floor(this.opts.split.size / this.opts.globalBatch);
  }

  get stats(): LoaderStats {
    return { waitMs: this.waitMs, batches: this.batches, samples: this.samples };
  }

  resetStats(): void {
    this.waitMs = 0;
    this.batches = 0;
    this.samples = 0;
  }

  async *load(requests: Iterable<MicroBatchRequest>): AsyncGenerator<MicroBatch, void, undefined> {
    const source = requests[Symbol.iterator]();
    const pending: Promise<MicroBatch>[] = [];
    const fill = (): void => {
      while (pending.length < this.prefetch) {
        const next = source.next();
        if (next.done === true) return;
        pending.push(this.loadOne(next.value));
      }
    };
    try {
      fill();
      for (let head = pending.shift(); head !== undefined; head = pending.shift()) {
        const started = performance.now();
        const batch = await head;
        this.waitMs += performance.now() - started;
        this.batches++;
        this.samples += batch.count;
        fill();
        yield batch;
      }
    } finally {
      // A consumer that stops early leaves decodes in flight; their outcome no longer matters.
      for (const p of pending) p.catch(() => undefined);
    }
  }

  private async loadOne(req: MicroBatchRequest): Promise<MicroBatch> {
    const { split, transform, seed } = this.opts;
    const indices = req.indices ?? this.order(req.epoch).samples(req.step, req.replica);
    const sampleSize = transform.height * transform.width * transform.channels;
    const images = new Float32Array(indices.length * sampleSize);
    const ok = new Uint8Array(indices.length);
    await Promise.all(
      Array.from(indices, (index, k) =>
        this.limiter.run(async () => {
          const r = await transform.apply(
            split,
            { seed, epoch: req.epoch, index },
            images,
            k * sampleSize,
          );
          if (r.ok) ok[k] = 1;
          else this.failures.record(r.failure);
        }),
      ),
    );
    const kept: number[] = [];
    ok.forEach((v, k) => {
      if (v === 1) kept.push(k);
    });
    kept.forEach((k, slot) => {
      if (k !== slot) images.copyWithin(slot * sampleSize, k * sampleSize, (k + 1) * sampleSize);
    });
    const keptIndices = Uint32Array.from(kept, (k) => indices[k] ?? 0);
    return {
      epoch: req.epoch,
      step: req.step,
      replica: req.replica,
      images:
        kept.length === indices.length ? images : images.subarray(0, kept.length * sampleSize),
      labels: Int32Array.from(keptIndices, (i) => split.labels[i] ?? -1),
      count: kept.length,
      indices: keptIndices,
    };
  }
}
