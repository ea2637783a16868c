import { readFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { decodeIdxImages, decodeIdxLabels, encodeIdx } from '@repvgg/training';

export const FASHION_MNIST = '/usr/share/datasets/fashion-mnist';

/**
 * The first `train` and `test` images of Fashion-MNIST as an uncompressed IDX dataset in `dir`: real
 * images, small enough for a run with many faults.
 */
export function writeFashionMnistSlice(dir: string, train: number, test: number): void {
  mkdirSync(dir, { recursive: true });
  for (const [split, n] of [
    ['train', train],
    ['t10k', test],
  ] as const) {
    const read = (kind: string): Buffer =>
      gunzipSync(
        readFileSync(
          join(FASHION_MNIST, `${split}-${kind}-idx${kind === 'images' ? 3 : 1}-ubyte.gz`),
        ),
      );
    const images = decodeIdxImages(read('images'));
    const labels = decodeIdxLabels(read('labels'));
    if (n > images.count)
      throw new RangeError(`${split} has ${images.count} images, fewer than ${n}`);
    const px = images.rows * images.cols;
    writeFileSync(
      join(dir, `${split}-images-idx3-ubyte`),
      encodeIdx([n, images.rows, images.cols], images.pixels.subarray(0, n * px)),
    );
    writeFileSync(join(dir, `${split}-labels-idx1-ubyte`), encodeIdx([n], labels.subarray(0, n)));
  }
}
