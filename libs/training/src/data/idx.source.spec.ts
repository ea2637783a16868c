import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DatasetNotFoundError, IdxFormatError } from './dataset.error';
import { encodeIdx } from './idx.codec';
import { openIdxDataset } from './idx.source';
import { openDataset } from './open-dataset';

async function writeSplit(
  dir: string,
  prefix: string,
  count: number,
  gz: boolean,
  labelOf = (i: number) => i % 3,
): Promise<void> {
  const pixels = Uint8Array.from({ length: count * 16 }, (_, p) => (p % 16) * 16);
  const images = encodeIdx([count, 4, 4], pixels);
  const labels = encodeIdx(
    [count],
    Uint8Array.from({ length: count }, (_, i) => labelOf(i)),
  );
  const ext = gz ? '.gz' : '';
  await writeFile(join(dir, `${prefix}-images-idx3-ubyte${ext}`), gz ? gzipSync(images) : images);
  await writeFile(join(dir, `${prefix}-labels-idx1-ubyte${ext}`), gz ? gzipSync(labels) : labels);
}

describe('openIdxDataset', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'idx-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reads gzip and plain IDX splits, labels, stats and per-sample pixels', async () => {
    await writeSplit(dir, 'train', 9, true);
    await writeSplit(dir, 't10k', 3, false);
    const ds = await openDataset({ data: dir });
    expect(ds.kind).toBe('idx');
    expect(ds.classNames).toEqual(['0', '1', '2']);
    expect([ds.train.size, ds.val?.size]).toEqual([9, 3]);
    expect(ds.imageSize).toEqual({ width: 4, height: 4 });
    expect(ds.channels).toBe(1);
    expect([...ds.train.labels]).toEqual([0, 1, 2, 0, 1, 2, 0, 1, 2]);
    // Pixels 0,16,…,240 equally often: mean 120/255, population std √(16²·(16²−1)/12)/255.
    expect(ds.stats!.mean[0]).toBeCloseTo(120 / 255, 10);
    expect(ds.stats!.std[0]).toBeCloseTo(Math.sqrt((256 * 255) / 12) / 255, 10);
    const r = await ds.train.read(4, (w, h) => ({
      kind: 'crop-resize',
      box: { left: 1, top: 0, width: w - 1, height: h },
      width: 3,
      height: 4,
    }));
    expect(r.ok && [...r.image.data.subarray(0, 3)]).toEqual([16, 32, 48]);
    expect(ds.contentHash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('names missing files and refuses inconsistent ones', async () => {
    await expect(openIdxDataset(dir)).rejects.toThrow(DatasetNotFoundError);
    await writeSplit(dir, 'train', 4, true);
    await writeSplit(dir, 't10k', 2, true);
    await writeFile(
      join(dir, 't10k-labels-idx1-ubyte.gz'),
      gzipSync(encodeIdx([3], new Uint8Array(3))),
    );
    await expect(openIdxDataset(dir)).rejects.toThrow(/3 labels for 2 images/);
    await writeSplit(dir, 't10k', 2, true);
    await expect(openIdxDataset(dir, { classNames: ['a', 'b'] })).rejects.toThrow(IdxFormatError);
    await writeFile(join(dir, 'train-images-idx3-ubyte.gz'), Buffer.from([0x1f, 0x8b, 1, 2, 3]));
    await expect(openIdxDataset(dir)).rejects.toThrow(/gzip/);
  });
});
