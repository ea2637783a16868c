import { Rng } from '@repvgg/core/tensor/rng';
import { encodeNpy } from '@repvgg/core/weights/npy.codec';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const tempDir = (): string => mkdtempSync(join(tmpdir(), 'repvgg-cli-'));

/**
 * A tiny custom architecture: widths 16/16/32/64/128, stage1.1 grouped (g = 2) with an identity
 * branch, 5 classes. Small enough that every command runs in about a second.
 */
export const TINY_ARCH = {
  numBlocks: [2, 1, 1, 1],
  widthMultiplier: [0.25, 0.25, 0.25, 0.25],
  overrideGroupsMap: { '2': 2 },
  numClasses: 5,
};

export function writeJson(dir: string, name: string, value: unknown): string {
  const path = join(dir, name);
  writeFileSync(path, JSON.stringify(value));
  return path;
}

export function randomNpy(path: string, shape: readonly number[], seed: number): Float32Array {
  const rng = new Rng(seed);
  const data = new Float32Array(shape.reduce((a, b) => a * b, 1));
  for (let i = 0; i < data.length; i++) data[i] = rng.normal();
  writeFileSync(path, encodeNpy(shape, data));
  return data;
}
