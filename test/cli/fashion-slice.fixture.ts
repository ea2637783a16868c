import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { encodeIdx, FASHION_MNIST_DIR } from '@repvgg/training/data';

const read = (name: string): Buffer => gunzipSync(readFileSync(join(FASHION_MNIST_DIR, name)));

/**
 * The first `train` training and `test` test images of the real Fashion-MNIST (Debian's
 * dataset-fashion-mnist) as an IDX folder in `dir`: real data a tiny model learns in seconds.
 */
export function writeFashionSlice(dir: string, train: number, test: number): void {
  mkdirSync(dir, { recursive: true });
  const slice = (prefix: string, n: number): void => {
    const images = read(`${prefix}-images-idx3-ubyte.gz`).subarray(16, 16 + n * 28 * 28);
    const labels = read(`${prefix}-labels-idx1-ubyte.gz`).subarray(8, 8 + n);
    writeFileSync(join(dir, `${prefix}-images-idx3-ubyte`), encodeIdx([n, 28, 28], images));
    writeFileSync(join(dir, `${prefix}-labels-idx1-ubyte`), encodeIdx([n], labels));
  };
  slice('train', train);
  slice('t10k', test);
}

/** A tiny RepVGG for 28×28 inputs (8–16 channels), as an `--arch-file`. */
export function writeTinyArch(file: string): void {
  writeFileSync(
    file,
    JSON.stringify({
      numBlocks: [1, 1, 1, 1],
      widthMultiplier: [0.125, 0.125, 0.125, 0.125],
      numClasses: 10,
    }),
  );
}

/** The same recipe for `train`, `submit` and `run`: 2 epochs, batch 64 in 2 replicas. */
export const SLICE_RECIPE = [
  '--epochs',
  '2',
  '--batch',
  '64',
  '--replicas',
  '2',
  '--lr',
  '0.1',
  '--image-size',
  '28',
] as const;
