import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countMacs, countParams, f32, floatData, reparameterize } from '@repvgg/core';
import { readBundle, writeDeployBundle } from '@repvgg/core/export/bundle';
import {
  BundleEquivalenceError,
  BundleExistsError,
  BundleIntegrityError,
  BundleOptionsError,
} from '@repvgg/core/export/bundle.error';
import type { BundleReport } from '@repvgg/core/export/bundle-report';
import { TINY_GROUPED, wideRandomTrainStateDict } from './fixtures';

const arch = TINY_GROUPED;
const trainSd = wideRandomTrainStateDict(arch, 21);
const preprocessing = {
  mean: [0.5, 0.4, 0.3],
  std: [0.2, 0.25, 0.3],
  resize: 36,
  cropSize: 32,
  classNames: ['a', 'b', 'c', 'd', 'e'],
};
const provenance = { codeVersion: 'test', workerCounts: [2, 3] };
const metrics = {
  split: 'val',
  top1: 0.5,
  top5: 0.875,
  loss: 1.25,
  trainSeconds: 12.5,
  history: [
    { epoch: 0, trainLoss: 2, val: { top1: 0.25, top5: 0.75, images: 8 } },
    { epoch: 1, trainLoss: 1.5, val: { top1: 0.5, top5: 0.875, images: 8 } },
  ],
};
const sha256 = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

let root = '';
let outDir = '';
let report: BundleReport;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'repvgg-bundle-'));
  outDir = join(root, 'bundle');
  report = await writeDeployBundle({ arch, trainSd, outDir, preprocessing, provenance, metrics });
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

/** A byte-for-byte copy of the bundle to damage. */
async function copyBundle(name: string): Promise<string> {
  const dir = join(root, name);
  await mkdir(dir);
  for (const f of await readdir(outDir))
    await writeFile(join(dir, f), await readFile(join(outDir, f)));
  return dir;
}

describe('writeDeployBundle', () => {
  it('measures the fused, ONNX and tfjs models against the multi-branch model within 1e-5·max|y|', () => {
    const { fused, onnx, tfjs } = report.equivalence;
    for (const r of [fused, onnx, tfjs]) {
      expect(r.maxAbs).toBeGreaterThan(0.1);
      expect(r.maxAbsDiff).toBeLessThanOrEqual(1e-5 * r.maxAbs);
      expect(r.pass).toBe(true);
    }
    expect(report.equivalence.probe).toEqual({ shape: [2, 3, 32, 32], seed: 0 });
    expect(report.equivalence.pass).toBe(true);
  });

  it('records architecture, counts, preprocessing, provenance and metrics', () => {
    expect(report.architecture.spec.name).toBe('tiny-g');
    expect(report.architecture.blocks.map((b) => b.groups)).toEqual(
      arch.blocks.map((b) => b.groups),
    );
    expect(report.trainParams).toBe(countParams(arch, 'train'));
    expect(report.deployParams).toBe(countParams(arch, 'deploy'));
    expect(report.deployMacs).toBe(countMacs(arch, 32, 'deploy'));
    expect(report.inputResolution).toBe(32);
    expect(report.preprocessing).toEqual(preprocessing);
    expect(report.provenance).toEqual({ codeVersion: 'test', workerCounts: [2, 3] });
    expect(report.metrics).toEqual(metrics);
  });

  it('writes every file with its sha256 in report.json and leaves no temporary directory', async () => {
    const names = (await readdir(outDir)).sort();
    expect(names).toEqual([
      'group1-shard1of1.bin',
      'model.json',
      'model.onnx',
      'model.safetensors',
      'report.json',
    ]);
    const onDisk = JSON.parse(await readFile(join(outDir, 'report.json'), 'utf8')) as BundleReport;
    expect(onDisk).toEqual(report);
    for (const name of names.filter((n) => n !== 'report.json')) {
      const bytes = await readFile(join(outDir, name));
      expect(report.files[name]).toEqual({ bytes: bytes.byteLength, sha256: sha256(bytes) });
    }
    expect(await readdir(root)).toEqual(['bundle']);
  });

  it('replaces a bundle only when asked to', async () => {
    await expect(writeDeployBundle({ arch, trainSd, outDir, preprocessing })).rejects.toThrow(
      BundleExistsError,
    );
    const again = await writeDeployBundle({
      arch,
      trainSd,
      outDir,
      preprocessing,
      provenance,
      metrics,
      overwrite: true,
    });
    expect(again.files).toEqual(report.files);
    report = again;
    expect(await readdir(root)).toEqual(['bundle']);
  });

  it('refuses to write when an export does not reproduce the multi-branch model', async () => {
    const broken = new Map(trainSd);
    const var0 = Float32Array.from(floatData(trainSd, 'stage1.0.rbr_dense.bn.running_var'));
    var0[0] = NaN;
    broken.set('stage1.0.rbr_dense.bn.running_var', f32([var0.length], var0));
    const dir = join(root, 'broken');
    await expect(
      writeDeployBundle({ arch, trainSd: broken, outDir: dir, preprocessing }),
    ).rejects.toThrow(BundleEquivalenceError);
    expect((await readdir(root)).sort()).toEqual(['bundle']);
  });

  it('rejects options that do not fit the model before writing anything', async () => {
    const dir = join(root, 'bad');
    await expect(
      writeDeployBundle({
        arch,
        trainSd,
        outDir: dir,
        preprocessing: { ...preprocessing, classNames: ['only one'] },
      }),
    ).rejects.toThrow(BundleOptionsError);
    await expect(
      writeDeployBundle({
        arch,
        trainSd,
        outDir: dir,
        probeInput: { shape: [1, 1, 8, 8], data: new Float32Array(64) },
      }),
    ).rejects.toThrow(BundleOptionsError);
    await expect(
      writeDeployBundle({ arch, trainSd, outDir: dir, metrics: { ...metrics, top1: 1.5 } }),
    ).rejects.toThrow(/option metrics\.top1 is not in \[0, 1\]/);
    expect(await readdir(root)).not.toContain('bad');
  });
});

describe('readBundle', () => {
  it('returns the report, the architecture and the fused weights', async () => {
    const bundle = await readBundle(outDir);
    expect(bundle.report).toEqual(report);
    expect(bundle.report.metrics).toEqual(metrics);
    expect(bundle.arch.blocks).toEqual(arch.blocks);
    const expected = reparameterize(arch, trainSd);
    expect([...bundle.deploySd.keys()].sort()).toEqual([...expected.keys()].sort());
    for (const [key, t] of expected) {
      expect(Array.from(floatData(bundle.deploySd, key))).toEqual(
        Array.from(t.data as Float32Array),
      );
    }
  });

  it('detects a corrupted file', async () => {
    const dir = await copyBundle('corrupt');
    const onnx = await readFile(join(dir, 'model.onnx'));
    onnx[onnx.byteLength - 9] ^= 0x01;
    await writeFile(join(dir, 'model.onnx'), onnx);
    const err = await readBundle(dir).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BundleIntegrityError);
    expect((err as BundleIntegrityError).file).toBe('model.onnx');
    expect((err as Error).message).toContain('is corrupt');
  });

  it('detects a missing shard and a directory that is not a bundle', async () => {
    const dir = await copyBundle('missing');
    await rm(join(dir, 'group1-shard1of1.bin'));
    await expect(readBundle(dir)).rejects.toThrow(/group1-shard1of1\.bin is missing/);
    await rm(join(dir, 'report.json'));
    await expect(readBundle(dir)).rejects.toThrow(BundleIntegrityError);
  });
});
