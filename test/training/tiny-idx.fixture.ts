import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { encodeIdx } from '@repvgg/training/data/idx.codec';

/**
 * Writes a tiny MNIST-style IDX dataset: `classes` classes whose images are a bright square at a
 * class-specific place plus seeded noise, so a small model can learn it in a few steps.
 */
export async function writeTinyIdx(
  dir: string,
  opts: { train: number; test: number; size: number; classes: number; seed: number },
): Promise<void> {
  let s = opts.seed >>> 0;
  const rnd = (): number => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
  const split = async (prefix: string, n: number): Promise<void> => {
    const { size, classes } = opts;
    const pixels = new Uint8Array(n * size * size);
    const labels = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      const label = i % classes;
      labels[i] = label;
      const cx = Math.floor(((label + 0.5) / classes) * size);
      for (let y = 0; y < size; y++) {
        for (let x = 0; x < size; x++) {
          const inSquare = Math.abs(x - cx) <= 1 && Math.abs(y - size / 2) <= 2;
          pixels[i * size * size + y * size + x] = inSquare ? 200 + rnd() * 55 : rnd() * 60;
        }
      }
    }
    await writeFile(join(dir, `${prefix}-images-idx3-ubyte`), encodeIdx([n, size, size], pixels));
    await writeFile(join(dir, `${prefix}-labels-idx1-ubyte`), encodeIdx([n], labels));
  };
  await split('train', opts.train);
  await split('t10k', opts.test);
}
