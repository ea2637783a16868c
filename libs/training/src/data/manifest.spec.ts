import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  DatasetNotFoundError,
  EmptyClassError,
  EmptyDatasetError,
  GroundTruthError,
  UnknownValidationClassError,
} from './dataset.error';
import { loadManifest } from './manifest.cache';
import { buildManifest, samplePath } from './manifest';

async function touch(root: string, ...files: string[]): Promise<void> {
  for (const f of files) {
    await mkdir(join(root, f, '..'), { recursive: true });
    await writeFile(join(root, f), f);
  }
}

describe('buildManifest', () => {
  let root: string;
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'manifest-'));
  });
  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('labels class folders in sorted order, walks subfolders, ignores non-images', async () => {
    await touch(
      root,
      'train/n02/b.JPEG',
      'train/n02/a.jpg',
      'train/n01/x.PNG',
      'train/n01/deep/y.jpeg',
    );
    await touch(root, 'train/n01/readme.txt', 'train/stray.jpg', 'val/n02/v.jpg', 'val/n01/w.png');
    const m = await buildManifest(root);
    expect(m.classNames).toEqual(['n01', 'n02']);
    const train = m.train.files.map((_, i) => [samplePath(root, m.train, i), m.train.labels[i]]);
    expect(train).toEqual([
      [join(root, 'train/n01/x.PNG'), 0],
      [join(root, 'train/n01/deep/y.jpeg'), 0],
      [join(root, 'train/n02/a.jpg'), 1],
      [join(root, 'train/n02/b.JPEG'), 1],
    ]);
    expect(m.val?.files).toEqual(['w.png', 'v.jpg']);
    expect([...(m.val?.labels ?? [])]).toEqual([0, 1]);
    expect(m.ignoredFiles).toBe(2);
    expect(m.contentHash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('treats class folders directly under the root as the train split when there is no train/', async () => {
    await touch(root, 'b/1.png', 'a/2.jpg');
    const m = await buildManifest(root);
    expect(m.classNames).toEqual(['a', 'b']);
    expect(m.val).toBeUndefined();
  });

  it('labels a flat val/ from "<file> <wnid>" lines, caffe indices, or LOC_val_solution.csv', async () => {
    await touch(
      root,
      'train/n01/a.jpg',
      'train/n02/b.jpg',
      'val/ILSVRC2012_val_00000001.JPEG',
      'val/ILSVRC2012_val_00000002.JPEG',
    );
    await writeFile(
      join(root, 'gt.txt'),
      'ILSVRC2012_val_00000001.JPEG n02\n\nILSVRC2012_val_00000002.JPEG n01\n',
    );
    expect([...(await buildManifest(root, { groundTruth: 'gt.txt' })).val!.labels]).toEqual([1, 0]);
    await writeFile(
      join(root, 'val.txt'),
      'ILSVRC2012_val_00000001.JPEG 0\nILSVRC2012_val_00000002.JPEG 1\n',
    );
    const caffe = await buildManifest(root);
    expect(caffe.groundTruth).toBe('val.txt');
    expect([...caffe.val!.labels]).toEqual([0, 1]);
    await writeFile(
      join(root, 'LOC_val_solution.csv'),
      'ImageId,PredictionString\nILSVRC2012_val_00000002,n01 1 2 3 4 n01 5 6 7 8\nILSVRC2012_val_00000001,n02 1 2 3 4\n',
    );
    const loc = await buildManifest(root);
    expect(loc.groundTruth).toBe('LOC_val_solution.csv');
    expect([...loc.val!.labels]).toEqual([1, 0]);
    expect(loc.contentHash).not.toBe(caffe.contentHash);
  });

  it('fails with one typed error per kind of bad input', async () => {
    await expect(buildManifest(join(root, 'missing'))).rejects.toThrow(DatasetNotFoundError);
    await mkdir(join(root, 'train'));
    await expect(buildManifest(root)).rejects.toThrow(EmptyDatasetError);
    await touch(root, 'train/n01/a.jpg', 'train/n02/readme.txt');
    await expect(buildManifest(root)).rejects.toThrow(EmptyClassError);
    await touch(root, 'train/n02/b.png', 'val/n03/c.jpg');
    await expect(buildManifest(root)).rejects.toThrow(UnknownValidationClassError);
    await rm(join(root, 'val'), { recursive: true });
    await touch(root, 'val/flat.jpg');
    await expect(buildManifest(root)).rejects.toThrow(GroundTruthError);
    await writeFile(join(root, 'val.txt'), 'other.jpg n01\n');
    await expect(buildManifest(root)).rejects.toThrow(/no label for val\/flat.jpg/);
    await writeFile(join(root, 'val.txt'), 'flat.jpg n09\n');
    await expect(buildManifest(root)).rejects.toThrow(UnknownValidationClassError);
    await writeFile(join(root, 'val.txt'), 'flat.jpg\n');
    await expect(buildManifest(root)).rejects.toThrow(/line 1/);
  });
});

describe('loadManifest cache', () => {
  let root: string;
  let cacheDir: string;
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'manifest-tree-'));
    cacheDir = await mkdtemp(join(tmpdir(), 'manifest-cache-'));
  });
  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
    await rm(cacheDir, { recursive: true, force: true });
  });

  it('serves a 3,000-file tree from the cache until its listing changes', async () => {
    for (let c = 0; c < 12; c++) {
      const dir = join(root, 'train', `n${String(c).padStart(8, '0')}`);
      await mkdir(dir, { recursive: true });
      await Promise.all(
        Array.from({ length: 250 }, (_, i) => writeFile(join(dir, `img_${i}.JPEG`), '')),
      );
    }
    const first = await loadManifest(root, { cacheDir });
    expect(first.fromCache).toBe(false);
    expect(first.manifest.train.files).toHaveLength(3000);

    const second = await loadManifest(root, { cacheDir });
    expect(second.fromCache).toBe(true);
    expect(second.cacheFile).toBe(first.cacheFile);
    expect(second.manifest.contentHash).toBe(first.manifest.contentHash);
    expect(second.manifest.train.files).toEqual(first.manifest.train.files);
    expect(second.manifest.train.labels).toEqual(first.manifest.train.labels);
    expect(second.manifest.train.dirOf).toEqual(first.manifest.train.dirOf);

    await writeFile(join(root, 'train', 'n00000005', 'img_new.JPEG'), '');
    const third = await loadManifest(root, { cacheDir });
    expect(third.fromCache).toBe(false);
    expect(third.manifest.train.files).toHaveLength(3001);
    expect(third.manifest.contentHash).not.toBe(first.manifest.contentHash);
    expect((await loadManifest(root, { cacheDir })).fromCache).toBe(true);
  });

  it('rebuilds when the cache file is unreadable', async () => {
    await touch(root, 'train/a/1.jpg');
    const first = await loadManifest(root, { cacheDir });
    await writeFile(first.cacheFile, '{"version": 1, "root": 3');
    const again = await loadManifest(root, { cacheDir });
    expect(again.fromCache).toBe(false);
    expect(again.manifest.contentHash).toBe(first.manifest.contentHash);
  });
});
