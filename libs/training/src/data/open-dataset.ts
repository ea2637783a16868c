import { stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { DatasetSource } from './dataset-source';
import { openFashionMnist, openIdxDataset, FASHION_MNIST_DIR } from './idx.source';
import { openImageFolder } from './image-folder.source';
import type { ManifestCacheOptions } from './manifest.cache';

/** Datasets known by name (`--dataset`). */
export const NAMED_DATASETS = ['fashion-mnist'] as const;
export type NamedDataset = (typeof NAMED_DATASETS)[number];

const OPENERS: Record<NamedDataset, (dir?: string) => Promise<DatasetSource>> = {
  'fashion-mnist': openFashionMnist,
};

export type DatasetLocation =
  | { readonly dataset: NamedDataset; readonly dir?: string }
  | ({ readonly data: string } & ManifestCacheOptions);

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

/** A folder holding MNIST-style `train-images-idx3-ubyte[.gz]` is an IDX dataset; anything else an image folder. */
async function isIdxFolder(dir: string): Promise<boolean> {
  const base = join(dir, 'train-images-idx3-ubyte');
  return (await exists(`${base}.gz`)) || exists(base);
}

/** Opens `--dataset NAME` or `--data DIR` (IDX files or an image-folder tree, detected from the contents). */
export async function openDataset(location: DatasetLocation): Promise<DatasetSource> {
  if ('dataset' in location) return OPENERS[location.dataset](location.dir);
  const dir = resolve(location.data);
  if (await isIdxFolder(dir)) {
    return dir === FASHION_MNIST_DIR ? openFashionMnist(dir) : openIdxDataset(dir);
  }
  return openImageFolder(dir, location);
}
