import sharp from 'sharp';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BatchLoader, microBatchRequests } from './batch-loader';
import type { DatasetSource } from './dataset-source';
import { openImageFolder } from './image-folder.source';
import { CenterCropTransform, RandomResizedCropTransform } from './transforms/imagenet.transform';

function noise(w: number, h: number, seed: number): Buffer {
  const data = Buffer.alloc(w * h * 3);
  for (let i = 0; i < data.length; i++)
    data[i] = (i * 31 + seed * 97 + ((i / (w * 3)) | 0) * 13) & 0xff;
  return data;
}

/** A tiny ImageNet-style tree with the awkward cases: CMYK, EXIF rotation, grayscale PNG, a corrupt file. */
async function makeTree(root: string): Promise<void> {
  const rgb = (w: number, h: number, s: number): ReturnType<typeof sharp> =>
    sharp(noise(w, h, s), { raw: { width: w, height: h, channels: 3 } });
  const files: [string, Promise<Buffer>][] = [
    ['train/n01443537/a.JPEG', rgb(50, 40, 1).jpeg().toBuffer()],
    ['train/n01443537/b_cmyk.JPEG', rgb(40, 50, 2).toColourspace('cmyk').jpeg().toBuffer()],
    [
      'train/n01443537/c_rotated.jpg',
      rgb(60, 30, 3).jpeg().withMetadata({ orientation: 8 }).toBuffer(),
    ],
    ['train/n01440764/d_gray.png', rgb(33, 33, 4).toColourspace('b-w').png().toBuffer()],
    ['train/n01440764/e.png', rgb(48, 36, 5).png().toBuffer()],
    [
      'train/n01440764/f_corrupt.JPEG',
      Promise.resolve(Buffer.from('\xff\xd8\xff\xe0 definitely not a jpeg')),
    ],
    ['val/n01440764/g.JPEG', rgb(64, 48, 6).jpeg().toBuffer()],
    ['val/n01443537/h.png', rgb(48, 64, 7).png().toBuffer()],
  ];
  for (const [rel, bytes] of files) {
    await mkdir(join(root, rel, '..'), { recursive: true });
    await writeFile(join(root, rel), await bytes);
  }
}

describe('image-folder source', () => {
  let root: string;
  let cacheDir: string;
  let source: DatasetSource;
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'imagefolder-'));
    cacheDir = await mkdtemp(join(tmpdir(), 'imagefolder-cache-'));
    await makeTree(root);
    source = await openImageFolder(root, { cacheDir });
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
    await rm(cacheDir, { recursive: true, force: true });
  });

  it('lists classes in sorted wnid order with both splits', () => {
    expect(source.kind).toBe('imagefolder');
    expect(source.classNames).toEqual(['n01440764', 'n01443537']);
    expect(source.train.size).toBe(6);
    expect(source.val?.size).toBe(2);
    expect([...source.train.labels]).toEqual([0, 0, 0, 1, 1, 1]);
    expect(source.train.sampleName(0)).toBe('train/n01440764/d_gray.png');
  });

  it('decodes every kind of file to RGB in its oriented size, and reports the corrupt one', async () => {
    const sizes: string[] = [];
    const failed: string[] = [];
    for (let i = 0; i < source.train.size; i++) {
      const r = await source.train.read(i);
      if (r.ok) sizes.push(`${r.image.width}x${r.image.height}x${r.image.channels}`);
      else failed.push(r.failure.sample);
    }
    expect(sizes).toEqual(['33x33x3', '48x36x3', '50x40x3', '40x50x3', '30x60x3']);
    expect(failed).toEqual(['train/n01440764/f_corrupt.JPEG']);
  });

  it('trains through the batch loader: corrupt file skipped and named, augmentation keyed by the sample', async () => {
    const transform = new RandomResizedCropTransform({ size: 24 });
    const loader = new BatchLoader({
      split: source.train,
      transform,
      seed: 1,
      globalBatch: 6,
      replicas: 2,
    });
    const [a, b] = await Promise.all(
      [0, 1].map(async () => {
        const out = [];
        for await (const mb of new BatchLoader({
          split: source.train,
          transform,
          seed: 1,
          globalBatch: 6,
          replicas: 2,
        }).load(microBatchRequests(0, 0, 1, [0, 1]))) {
          out.push(mb);
        }
        return out;
      }),
    );
    expect(a.map((m) => m.images)).toEqual(b.map((m) => m.images));
    const batches = [];
    for await (const mb of loader.load(microBatchRequests(0, 0, 1, [0, 1]))) batches.push(mb);
    expect(batches.reduce((n, m) => n + m.count, 0)).toBe(5);
    expect(loader.failures.list()).toEqual([
      { sample: 'train/n01440764/f_corrupt.JPEG', reason: expect.any(String) as string },
    ]);
    for (const mb of batches) {
      expect(mb.images).toHaveLength(mb.count * 24 * 24 * 3);
      expect(mb.images.every(Number.isFinite)).toBe(true);
    }
    const epoch1 = [];
    for await (const mb of loader.load(microBatchRequests(1, 0, 1, [0]))) epoch1.push(mb);
    expect(epoch1[0].images).not.toEqual(batches[0].images.subarray(0, epoch1[0].images.length));
  });

  it('validates with resize + centre crop, deterministically', async () => {
    const transform = new CenterCropTransform({ size: 32 });
    const out1 = new Float32Array(32 * 32 * 3);
    const out2 = new Float32Array(32 * 32 * 3);
    expect(await transform.apply(source.val!, { seed: 0, epoch: 0, index: 0 }, out1, 0)).toEqual({
      ok: true,
    });
    await transform.apply(source.val!, { seed: 9, epoch: 5, index: 0 }, out2, 0);
    expect(out2).toEqual(out1);
  });
});
