import { describe, expect, it } from 'vitest';
import {
  BatchLoader,
  evaluationRequests,
  microBatchRequests,
  type MicroBatch,
  type MicroBatchRequest,
} from './batch-loader';
import type { DatasetSplit } from './dataset-source';
import type { DecodeResult } from './decode-failures';
import type { GeometryPlanner, RawImage } from './raw-image';
import { applyGeometry } from './transforms/resize';
import { SmallImageTransform } from './transforms/small-image.transform';

/** An in-memory split of 8×8 grayscale images whose pixels encode the index; reads can be slowed and failed. */
class MemorySplit implements DatasetSplit {
  readonly name = 'train';
  readonly labels: Int32Array;
  started = 0;
  active = 0;
  maxActive = 0;

  constructor(
    readonly size: number,
    private readonly opts: { delayMs?: number; broken?: ReadonlySet<number> } = {},
  ) {
    this.labels = Int32Array.from({ length: size }, (_, i) => i % 10);
  }

  sampleName(index: number): string {
    return `mem/${index}.png`;
  }

  async read(index: number, geometry?: GeometryPlanner): Promise<DecodeResult> {
    this.started++;
    this.active++;
    this.maxActive = Math.max(this.maxActive, this.active);
    await new Promise((r) => setTimeout(r, this.opts.delayMs ?? 0));
    this.active--;
    if (this.opts.broken?.has(index) === true) {
      return { ok: false, failure: { sample: this.sampleName(index), reason: 'corrupt' } };
    }
    const data = Uint8Array.from({ length: 64 }, (_, p) => (index * 7 + p * 3) % 256);
    const image: RawImage = { data, width: 8, height: 8, channels: 1 };
    return {
      ok: true,
      image: geometry === undefined ? image : applyGeometry(image, geometry(8, 8)),
    };
  }
}

const transform = new SmallImageTransform({
  size: 8,
  channels: 3,
  stats: { mean: [0.5], std: [0.25] },
  padding: 2,
  flipProbability: 0.5,
  augment: true,
});

async function collect(
  loader: BatchLoader,
  requests: Iterable<MicroBatchRequest>,
): Promise<MicroBatch[]> {
  const out: MicroBatch[] = [];
  for await (const b of loader.load(requests)) out.push(b);
  return out;
}

describe('BatchLoader', () => {
  it('loads the micro-batches of the epoch order, in request order, with labels', async () => {
    const split = new MemorySplit(50);
    const loader = new BatchLoader({ split, transform, seed: 3, globalBatch: 8, replicas: 2 });
    expect(loader.stepsPerEpoch).toBe(6);
    const batches = await collect(loader, microBatchRequests(1, 0, 6, [0, 1]));
    expect(batches.map((b) => [b.step, b.replica])).toEqual(
      Array.from({ length: 12 }, (_, k) => [Math.floor(k / 2), k % 2]),
    );
    const order = loader.order(1);
    for (const b of batches) {
      expect([...b.indices]).toEqual([...order.samples(b.step, b.replica)]);
      expect([...b.labels]).toEqual([...b.indices].map((i) => i % 10));
      expect(b.count).toBe(4);
      expect(b.images).toHaveLength(4 * 8 * 8 * 3);
      const one = new Float32Array(8 * 8 * 3);
      await transform.apply(split, { seed: 3, epoch: 1, index: b.indices[2] }, one, 0);
      expect(b.images.subarray(2 * 192, 3 * 192)).toEqual(one);
    }
    expect(loader.stats.samples).toBe(48);
  });

  it('gives the same pixels whoever loads a replica and however much runs in parallel', async () => {
    const all = await collect(
      new BatchLoader({
        split: new MemorySplit(64),
        transform,
        seed: 11,
        globalBatch: 16,
        replicas: 4,
      }),
      microBatchRequests(2, 0, 4, [0, 1, 2, 3]),
    );
    const workerA = await collect(
      new BatchLoader({
        split: new MemorySplit(64),
        transform,
        seed: 11,
        globalBatch: 16,
        replicas: 4,
        concurrency: 1,
        prefetch: 1,
      }),
      microBatchRequests(2, 0, 4, [0, 1]),
    );
    const workerB = await collect(
      new BatchLoader({
        split: new MemorySplit(64),
        transform,
        seed: 11,
        globalBatch: 16,
        replicas: 4,
        concurrency: 7,
      }),
      microBatchRequests(2, 0, 4, [2, 3]),
    );
    const key = (b: MicroBatch): string => `${b.step}/${b.replica}`;
    const byKey = new Map([...workerA, ...workerB].map((b) => [key(b), b]));
    for (const b of all) expect(byKey.get(key(b))!.images).toEqual(b.images);
    const otherEpoch = await collect(
      new BatchLoader({
        split: new MemorySplit(64),
        transform,
        seed: 11,
        globalBatch: 16,
        replicas: 4,
      }),
      microBatchRequests(3, 0, 1, [0]),
    );
    expect(otherEpoch[0].images).not.toEqual(all[0].images);
  });

  it('decodes at most `prefetch` micro-batches ahead and at most `concurrency` samples at once', async () => {
    const split = new MemorySplit(200, { delayMs: 1 });
    const loader = new BatchLoader({
      split,
      transform,
      seed: 0,
      globalBatch: 5,
      replicas: 1,
      prefetch: 3,
      concurrency: 2,
    });
    let consumed = 0;
    for await (const _ of loader.load(microBatchRequests(0, 0, 40, [0]))) {
      consumed++;
      // Started reads cover at most the consumed batches plus the prefetch window.
      expect(split.started).toBeLessThanOrEqual((consumed + 3) * 5);
      await new Promise((r) => setTimeout(r, 2));
      if (consumed === 10) break;
    }
    expect(split.maxActive).toBeLessThanOrEqual(2);
    expect(split.started).toBeLessThanOrEqual(13 * 5);
  });

  it('measures the time the consumer waits for data', async () => {
    const slow = new BatchLoader({
      split: new MemorySplit(40, { delayMs: 5 }),
      transform,
      seed: 0,
      globalBatch: 4,
      replicas: 1,
      concurrency: 1,
    });
    await collect(slow, microBatchRequests(0, 0, 5, [0]));
    expect(slow.stats.waitMs).toBeGreaterThan(5 * 4 * 4);
    slow.resetStats();
    expect(slow.stats).toEqual({ waitMs: 0, batches: 0, samples: 0 });
  });

  it('skips undecodable samples, compacts the batch and names them in the failure counter', async () => {
    const probe = new BatchLoader({
      split: new MemorySplit(32),
      transform,
      seed: 5,
      globalBatch: 8,
      replicas: 1,
    });
    const indices = [...probe.order(0).samples(1, 0)];
    const broken = new Set([indices[1], indices[6]]);
    const loader = new BatchLoader({
      split: new MemorySplit(32, { broken }),
      transform,
      seed: 5,
      globalBatch: 8,
      replicas: 1,
    });
    const [clean] = await collect(probe, [{ epoch: 0, step: 1, replica: 0 }]);
    const [b] = await collect(loader, [{ epoch: 0, step: 1, replica: 0 }]);
    expect(b.count).toBe(6);
    expect([...b.indices]).toEqual(indices.filter((i) => !broken.has(i)));
    expect(b.images).toHaveLength(6 * 192);
    const keep = [0, 2, 3, 4, 5, 7];
    keep.forEach((k, slot) => {
      expect(b.images.subarray(slot * 192, (slot + 1) * 192)).toEqual(
        clean.images.subarray(k * 192, (k + 1) * 192),
      );
    });
    expect(loader.failures.count).toBe(2);
    expect(
      loader.failures
        .list()
        .map((f) => f.sample)
        .sort(),
    ).toEqual([...broken].map((i) => `mem/${i}.png`).sort());
  });

  it('evaluates every sample once, in order, tail included', async () => {
    const split = new MemorySplit(10);
    const loader = new BatchLoader({ split, transform, seed: 0, globalBatch: 4, replicas: 1 });
    const batches = await collect(loader, evaluationRequests(10, 4));
    expect(batches.map((b) => b.count)).toEqual([4, 4, 2]);
    expect(batches.flatMap((b) => [...b.indices])).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect([...batches[2].labels]).toEqual([8, 9]);
    expect(() => [...evaluationRequests(10, 0)]).toThrow(RangeError);
  });
});
