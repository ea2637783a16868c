import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Architecture, StateDict } from '@repvgg/core';
import { initBackend } from '@repvgg/core/compute/backend';
import { tf } from '@repvgg/core/compute/tf';
import { exportTfjs, TFJS_SHARD_BYTES } from '@repvgg/core/export/tfjs.export';
import { tfjsFileHandler } from '@repvgg/core/export/tfjs-file.io';
import { maxAbs, maxAbsDiff } from '../repvgg/naive-repvgg';
import { referenceDeployForward } from './deploy-reference';
import { randomDeployStateDict, randomNchw, TINY, TINY_GROUPED, WIDE_HEAD } from './fixtures';

let root = '';
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'repvgg-tfjs-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

async function runExported(
  arch: Architecture,
  sd: StateDict,
  dir: string,
  shape: readonly [number, number, number, number],
): Promise<{ expected: Float64Array; actual: Float32Array; files: string[] }> {
  const files = await exportTfjs(arch, sd, dir);
  const input = randomNchw(shape, 5);
  const tensorsBefore = tf.memory().numTensors;
  const model = await tf.loadGraphModel(tfjsFileHandler(join(dir, 'model.json')));
  const x = tf.tidy(() => tf.tensor4d(input.data, input.shape).transpose([0, 2, 3, 1]));
  const y = model.predict(x) as tf.Tensor;
  const actual = (await y.data()) as Float32Array;
  expect(y.shape).toEqual([shape[0], arch.head.numClasses]);
  tf.dispose([x, y]);
  model.dispose();
  expect(tf.memory().numTensors).toBe(tensorsBefore);
  return { expected: referenceDeployForward(arch, sd, input), actual, files };
}

describe.each(['wasm', 'cpu'])('exportTfjs on the %s backend', (backend) => {
  beforeAll(async () => {
    await initBackend(backend, { log: () => undefined });
    expect(tf.getBackend()).toBe(backend);
  });

  it.each([
    ['plain', TINY, [2, 3, 32, 32]],
    ['grouped', TINY_GROUPED, [2, 3, 32, 32]],
    ['grouped, odd non-square input', TINY_GROUPED, [1, 3, 19, 26]],
  ] as const)(
    'loads with tf.loadGraphModel and matches a float64 reference forward (%s)',
    async (label, arch, shape) => {
      const sd = randomDeployStateDict(arch, 3);
      const { expected, actual, files } = await runExported(
        arch,
        sd,
        join(root, backend, label),
        shape,
      );
      expect(files).toEqual(['model.json', 'group1-shard1of1.bin']);
      expect(maxAbs(expected)).toBeGreaterThan(0.1);
      expect(maxAbsDiff(expected, actual)).toBeLessThanOrEqual(1e-5 * maxAbs(expected));
    },
  );

  it('splits weights into shards of at most 4 MiB that reassemble exactly', async () => {
    const dir = join(root, backend, 'wide');
    const sd = randomDeployStateDict(WIDE_HEAD, 9);
    const { expected, actual, files } = await runExported(WIDE_HEAD, sd, dir, [1, 3, 16, 16]);
    const shards = files.filter((f) => f.endsWith('.bin'));
    expect(shards).toEqual(['group1-shard1of2.bin', 'group1-shard2of2.bin']);
    const sizes = await Promise.all(shards.map(async (f) => (await stat(join(dir, f))).size));
    expect(sizes[0]).toBe(TFJS_SHARD_BYTES);
    expect(sizes[1]).toBeLessThanOrEqual(TFJS_SHARD_BYTES);
    const floats = [...sd.values()].reduce((n, t) => n + t.data.length, 0);
    // The int32 spatial axes [1, 2] of the global mean travel with the weights.
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(4 * (floats + 2));
    const manifest = JSON.parse(await readFile(join(dir, 'model.json'), 'utf8')) as {
      format: string;
      weightsManifest: { paths: string[] }[];
    };
    expect(manifest.format).toBe('graph-model');
    expect(manifest.weightsManifest[0]?.paths).toEqual(shards);
    expect(maxAbsDiff(expected, actual)).toBeLessThanOrEqual(1e-5 * maxAbs(expected));
  });
});
