import { describe, it, expect, beforeAll } from 'vitest';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ensureBuilt, runCli, stderrLines } from '../cli/cli-harness';
import { tempDir, writeJson } from '../cli/cli-fixtures';
import { writeTinyIdx } from './tiny-idx.fixture';

const TINY = { numBlocks: [1, 1, 1, 1], widthMultiplier: [0.125, 0.125, 0.125, 0.125] };

describe('repvgg train', () => {
  let dir: string;
  let data: string;
  let archFile: string;

  beforeAll(async () => {
    ensureBuilt();
    dir = tempDir();
    data = join(dir, 'data');
    mkdirSync(data);
    await writeTinyIdx(data, { train: 48, test: 16, size: 12, classes: 3, seed: 2 });
    archFile = writeJson(dir, 'tiny.json', TINY);
  });

  const base = (out: string): string[] => [
    '--backend',
    'cpu',
    'train',
    '--data',
    data,
    '--arch-file',
    archFile,
    '--image-size',
    '12',
    '--epochs',
    '1',
    '--batch',
    '16',
    '--replicas',
    '2',
    '--threads',
    '0',
    '--out',
    out,
  ];

  it('trains, validates and writes the bundle with the accuracy in report.json', () => {
    const out = join(dir, 'run');
    const r = runCli(base(out));
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.trim()).toBe(out);
    for (const f of ['model.safetensors', 'model.onnx', 'model.json', 'report.json']) {
      expect(existsSync(join(out, f)), f).toBe(true);
    }
    const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as {
      metrics: {
        split: string;
        top1: number;
        top5: number;
        history: { val: { images: number } }[];
      };
      architecture: { spec: { numClasses: number } };
      equivalence: { pass: boolean };
    };
    expect(report.metrics.split).toBe('test');
    expect(report.metrics.top1).toBeGreaterThanOrEqual(0);
    expect(report.metrics.top1).toBeLessThanOrEqual(1);
    expect(report.metrics.top5).toBe(1);
    expect(report.metrics.history).toHaveLength(1);
    expect(report.metrics.history[0]?.val.images).toBe(16);
    expect(report.architecture.spec.numClasses).toBe(3);
    expect(report.equivalence.pass).toBe(true);
    expect(existsSync(join(out, 'checkpoints', 'latest.json'))).toBe(true);
    expect(stderrLines(r).some((l) => l.startsWith('epoch 1/1: train loss'))).toBe(true);

    const again = runCli(base(out));
    expect(again.code).toBe(2);
    expect(stderrLines(again)).toEqual([
      `repvgg: output directory ${out} is not empty; pass --resume to continue its checkpoints, or choose a new --out`,
    ]);
  });

  it.each([
    [
      ['--batch', '15'],
      /^repvgg: global batch 15 is not divisible by 2 virtual replicas; choose a batch that is a multiple of the replica count\n$/,
    ],
    [
      ['--data', '/nonexistent/data'],
      /^repvgg: dataset folder \/nonexistent\/data does not exist; check the --data path\n$/,
    ],
  ])('refuses %j with one line, exit 2, nothing written', (flags, message) => {
    const out = join(dir, `bad-${flags[0]}`);
    const args = base(out);
    const at = args.indexOf(flags[0]);
    args.splice(at, 2, ...flags);
    const r = runCli(args);
    expect(r.code).toBe(2);
    expect(stderrLines(r)).toHaveLength(1);
    expect(r.stderr).toMatch(message);
    expect(existsSync(out)).toBe(false);
  });

  it('refuses an empty or unreadable dataset folder', () => {
    const empty = join(dir, 'empty');
    mkdirSync(empty);
    const out = join(dir, 'bad-empty');
    const args = base(out);
    args.splice(args.indexOf(data), 1, empty);
    const r = runCli(args);
    expect(r.code).toBe(2);
    expect(stderrLines(r)).toEqual([
      `repvgg: dataset at ${empty} has no images; put JPEG/PNG files in one folder per class (train/<class>/*.jpg)`,
    ]);
    expect(existsSync(out)).toBe(false);

    const broken = join(dir, 'broken');
    mkdirSync(broken);
    writeFileSync(join(broken, 'train-images-idx3-ubyte'), 'not an idx file');
    const r2 = runCli(base(join(dir, 'bad-broken')).map((a) => (a === data ? broken : a)));
    expect(r2.code).toBe(2);
    expect(stderrLines(r2)).toHaveLength(1);
    expect(r2.stderr).toMatch(
      /^repvgg: dataset not found at \S+train-labels-idx1-ubyte\.gz; expected \{train,t10k\}/,
    );
  });
});
