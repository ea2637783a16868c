import { describe, it, expect, beforeAll } from 'vitest';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeTinyIdx } from '../training/tiny-idx.fixture';
import { ensureBuilt, runCli } from './cli-harness';
import { evaluateBundle, evaluationSchema, reportMetricsSchema } from './evaluate.fixture';
import { tempDir, writeJson } from './cli-fixtures';

describe('repvgg evaluate', () => {
  let dir: string;
  let data: string;
  /** the bundle `repvgg train` wrote in beforeAll, and that run */
  let out: string;
  let trained: ReturnType<typeof runCli>;

  beforeAll(async () => {
    ensureBuilt();
    dir = tempDir();
    data = join(dir, 'data');
    mkdirSync(data);
    // 10×10 images trained at 12 pixels: the evaluation must resize as validation did.
    await writeTinyIdx(data, { train: 48, test: 237, size: 10, classes: 3, seed: 4 });
    const arch = writeJson(dir, 'tiny.json', {
      numBlocks: [1, 1, 1, 1],
      widthMultiplier: [0.125, 0.125, 0.125, 0.125],
    });
    out = join(dir, 'out');
    trained = runCli([
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
  });

  it("reproduces repvgg train's final validation exactly from the bundle alone", () => {
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
      images: 237,
      split: 'test',
    });
  });

  // 237 images: three batches, so the two threads' evaluations are summed back in batch order
  it('gives the same metrics, bit for bit, on 2 compute threads as on this one', () => {
    const run = (threads: string) => {
      const r = runCli(
        ['--backend', 'cpu', 'evaluate', '--model', out, '--data', data, '--json'].concat([
          '--threads',
          threads,
        ]),
      );
      expect(r.code, r.stderr).toBe(0);
      return evaluationSchema.parse(JSON.parse(r.stdout));
    };
    const one = run('0');
    expect(run('2')).toEqual(one);
    const report = reportMetricsSchema.parse(
      JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')),
    );
    expect(one.loss).toBe(report.metrics.loss);
  });

  it('shows its progress on stderr and prints the result alone on stdout', () => {
    const r = runCli(['--backend', 'cpu', 'evaluate', '--model', out, '--data', data]);
    expect(r.code, r.stderr).toBe(0);
    // not a terminal here: a line per tenth of the split (three batches of at most 100 images)
    expect(r.stderr).toMatch(/^evaluate: 237\/237 images \d+ img\/s ETA 0m00s$/m);
    expect(r.stdout).toMatch(
      /^top-1 \d+\.\d{2}% {2}top-5 \d+\.\d{2}% {2}loss \d+\.\d{4} {2}on 237 test images\n$/,
    );
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
