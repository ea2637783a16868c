import { describe, expect, it } from 'vitest';
import { BatchLoader } from '../data/batch-loader';
import type { DatasetSplit } from '../data/dataset-source';
import { DecodeFailures, type DecodeResult } from '../data/decode-failures';
import type { GeometryPlanner, RawImage } from '../data/raw-image';
import { applyGeometry } from '../data/transforms/resize';
import { SmallImageTransform } from '../data/transforms/small-image.transform';
import { LoaderBatchSource, SplitValSource } from './loader-batch-source';

/** 4×4 grayscale images filled with their index; the listed indices fail to decode. */
class IndexSplit implements DatasetSplit {
  readonly name = 'val';
  readonly labels: Int32Array;

  constructor(
    readonly size: number,
    private readonly broken: ReadonlySet<number> = new Set(),
  ) {
    this.labels = Int32Array.from({ length: size }, (_, i) => (i * 3) % 7);
  }

  sampleName(index: number): string {
    return `img/${index}.png`;
  }

  read(index: number, geometry?: GeometryPlanner): Promise<DecodeResult> {
    if (this.broken.has(index)) {
      return Promise.resolve({
        ok: false,
        failure: { sample: this.sampleName(index), reason: 'corrupt' },
      });
    }
    const image: RawImage = {
      data: new Uint8Array(16).fill(index),
      width: 4,
      height: 4,
      channels: 1,
    };
    return Promise.resolve({
      ok: true,
      image: geometry === undefined ? image : applyGeometry(image, geometry(4, 4)),
    });
  }
}

// mean 0, std 1/255: a normalized pixel equals its byte value, so each image reads back as its index.
const stats = { mean: [0], std: [1 / 255] };
const sampleOf = (images: Float32Array, k: number): number => images[k * 16] ?? Number.NaN;

describe('SplitValSource', () => {
  it('yields every decodable sample once, in order, the short tail included', async () => {
    const split = new IndexSplit(11, new Set([2, 8, 9]));
    const failures = new DecodeFailures();
    const transform = new SmallImageTransform({ size: 4, channels: 1, stats, augment: false });
    const source = new SplitValSource(split, transform, 4, failures);

    const seen: number[] = [];
    const labels: number[] = [];
    const shapes: number[][] = [];
    for await (const b of source.batches()) {
      shapes.push([...b.shape]);
      for (let k = 0; k < b.shape[0]; k++) seen.push(sampleOf(b.images, k));
      labels.push(...b.labels);
    }
    expect(seen).toEqual([0, 1, 3, 4, 5, 6, 7, 10]);
    expect(labels).toEqual(seen.map((i) => split.labels[i]));
    expect(shapes).toEqual([
      [3, 4, 4, 1],
      [4, 4, 4, 1],
      [1, 4, 4, 1],
    ]);
    expect(failures.count).toBe(3);
    expect(failures.list().map((f) => f.sample)).toEqual(['img/2.png', 'img/8.png', 'img/9.png']);
    expect(source.size).toBe(11);
  });

  it('skips a batch whose samples all fail', async () => {
    const split = new IndexSplit(6, new Set([2, 3]));
    const transform = new SmallImageTransform({ size: 4, channels: 1, stats, augment: false });
    const source = new SplitValSource(split, transform, 2, new DecodeFailures());
    const sizes: number[] = [];
    for await (const b of source.batches()) sizes.push(b.shape[0]);
    expect(sizes).toEqual([2, 2]);
  });
});

describe('LoaderBatchSource', () => {
  it('groups the loader micro-batches into steps of V replicas, resuming at a step', async () => {
    const split = new IndexSplit(24);
    const transform = new SmallImageTransform({ size: 4, channels: 1, stats, augment: false });
    const loader = new BatchLoader({ split, transform, seed: 5, globalBatch: 6, replicas: 3 });
    const source = new LoaderBatchSource(loader, transform, 3);
    expect(source.stepsPerEpoch).toBe(4);

    const steps: number[][][] = [];
    for await (const step of source.epoch(1, 1)) {
      steps.push(
        step.map((b) => Array.from({ length: b.shape[0] }, (_, k) => sampleOf(b.images, k))),
      );
    }
    const order = loader.order(1);
    expect(steps).toEqual(
      [1, 2, 3].map((s) => [0, 1, 2].map((v) => Array.from(order.samples(s, v)))),
    );
  });
});
