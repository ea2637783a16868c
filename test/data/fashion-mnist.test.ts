import { beforeAll, describe, expect, it } from 'vitest';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import {
  BatchLoader,
  type DatasetSource,
  FASHION_MNIST_DIR,
  microBatchRequests,
  openDataset,
  SmallImageTransform,
} from '@repvgg/training';

/** The real Fashion-MNIST from Debian's `dataset-fashion-mnist` package. */
describe('Fashion-MNIST (real IDX files)', () => {
  let ds: DatasetSource;
  beforeAll(async () => {
    ds = await openDataset({ dataset: 'fashion-mnist' });
  });

  it('has the published headers, counts, balanced classes and pixel statistics', async () => {
    const header = gunzipSync(
      await readFile(join(FASHION_MNIST_DIR, 'train-images-idx3-ubyte.gz')),
    ).subarray(0, 16);
    expect(header.readUInt32BE(0)).toBe(0x00000803);
    expect([header.readUInt32BE(4), header.readUInt32BE(8), header.readUInt32BE(12)]).toEqual([
      60000, 28, 28,
    ]);

    expect(ds.classNames).toEqual([
      'T-shirt/top',
      'Trouser',
      'Pullover',
      'Dress',
      'Coat',
      'Sandal',
      'Shirt',
      'Sneaker',
      'Bag',
      'Ankle boot',
    ]);
    expect([ds.train.size, ds.val?.size]).toEqual([60000, 10000]);
    expect(ds.imageSize).toEqual({ width: 28, height: 28 });
    const histogram = (labels: Int32Array): number[] =>
      labels.reduce((h, l) => (h[l]++, h), new Array<number>(10).fill(0));
    expect(histogram(ds.train.labels)).toEqual(new Array(10).fill(6000));
    expect(histogram(ds.val!.labels)).toEqual(new Array(10).fill(1000));
    // The dataset's well-known normalization constants.
    expect(ds.stats!.mean[0]).toBeCloseTo(0.286, 3);
    expect(ds.stats!.std[0]).toBeCloseTo(0.353, 3);
    expect(ds.contentHash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('feeds normalized 32×32×3 micro-batches through the loader', async () => {
    const transform = new SmallImageTransform({
      size: 32,
      channels: 3,
      stats: ds.stats!,
      padding: 4,
      flipProbability: 0.5,
      augment: true,
    });
    const loader = new BatchLoader({
      split: ds.train,
      transform,
      seed: 1,
      globalBatch: 256,
      replicas: 8,
    });
    expect(loader.stepsPerEpoch).toBe(234);
    let samples = 0;
    let sum = 0;
    for await (const mb of loader.load(microBatchRequests(0, 0, 4, [0, 1, 2, 3, 4, 5, 6, 7]))) {
      expect(mb.count).toBe(32);
      expect(mb.images).toHaveLength(32 * 32 * 32 * 3);
      samples += mb.count;
      for (const v of mb.images) sum += v;
    }
    expect(samples).toBe(1024);
    // Normalized with the train statistics, padded and resized batches average near zero.
    expect(Math.abs(sum / (samples * 32 * 32 * 3))).toBeLessThan(0.3);
  });
});
