import { describe, it, expect, beforeAll } from 'vitest';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeTinyIdx } from '../training/tiny-idx.fixture';
import { ensureBuilt, runCli } from './cli-harness';
import { evaluateBundle, reportMetricsSchema } from './evaluate.fixture';
import { tempDir, writeJson } from './cli-fixtures';

describe('repvgg evaluate', () => {
  let dir: string;
  let data: string;

  beforeAll(async () => {
    ensureBuilt();
    dir = tempDir();
    data = join(dir, 'data');
    mkdirSync(data);
    // 10×10 images trained at 12 pixels: the evaluation must resize as validation did.
    await writeTinyIdx(data, { train: 48, test: 37, size: 10, classes: 3, seed: 4 });
  });

  it("reproduces repvgg train's final validation exactly from the bundle alone", () => {
    const arch = writeJson(dir, 'tiny.json', {
      numBlocks: [1, 1, 1, 1],
      widthMultiplier: [0.125, 0.125, 0.125, 0.125],
    });
    const out = join(dir, 'out');
    const trained = runCli([
      '--backend',
      'cpu',
      'train',
      '--data',
      data,
      '--arch-file',
      arch,
      '--out',
      out,
      '--epochs',
      '1',
      '--batch',
      '16',
      '--replicas',
      '2',
      '--image-size',
      '12',
      '--lr',
      '0.05',
      '--threads',
      '1',
    ]);
    expect(trained.code, trained.stderr).toBe(0);
    const report = reportMetricsSchema.parse(
      JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')),
    );
    // IDX images are resized whole, as validation did: no ⌊12/0.875⌋ crop.
    expect(report.preprocessing).toEqual({ resize: 12, cropSize: 12 });
    const evaluated = evaluateBundle(out, data);
    expect(evaluated).toEqual({
      top1: report.metrics.top1,
      top5: report.metrics.top5,
      loss: report.metrics.loss,
      images: 37,
      split: 'test',
    });
  });

  it('says what to pass when the dataset or the bundle is missing', () => {
    const noData = runCli(['evaluate', '--model', dir]);
    expect(noData.code).toBe(2);
    expect(noData.stderr).toMatch(/no dataset given/);
    const noBundle = runCli(['evaluate', '--model', join(dir, 'nope'), '--data', data]);
    expect(noBundle.code).toBe(2);
    expect(noBundle.stderr).toMatch(/is not a directory/);
  });
});
