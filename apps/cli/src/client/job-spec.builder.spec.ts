import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { jobSpecSchema } from '@repvgg/contracts';
import { FASHION_MNIST_WIDE_PRESET } from '@repvgg/training/presets/fashion-mnist-wide.preset';
import { FASHION_MNIST_PRESET } from '@repvgg/training/presets/fashion-mnist.preset';
import { UsageError } from '../errors/usage.error';
import { buildJobSpec, datasetPresetSpec, detectDatasetSource } from './job-spec.builder';

const dir = mkdtempSync(join(tmpdir(), 'spec-builder-'));

describe('the Fashion-MNIST presets as job specs', () => {
  it.each([
    ['fashion-mnist (the default)', undefined, FASHION_MNIST_PRESET],
    ['fashion-mnist-wide', 'fashion-mnist-wide', FASHION_MNIST_WIDE_PRESET],
  ])("%s is `repvgg train --dataset fashion-mnist`'s recipe, field by field", (_n, name, p) => {
    const spec = jobSpecSchema.parse(datasetPresetSpec('fashion-mnist', undefined, name));
    expect(spec).toMatchObject({
      architecture: {
        numBlocks: p.arch.numBlocks,
        widthMultiplier: p.arch.widthMultiplier,
        overrideGroupsMap: {},
        numClasses: p.arch.numClasses,
      },
      dataset: { source: 'idx', path: '/usr/share/datasets/fashion-mnist' },
      imageSize: p.imageSize,
      epochs: p.epochs,
      globalBatch: p.globalBatch,
      virtualReplicas: p.replicas,
      optimizer: { lr: p.lr, momentum: 0.9, nesterov: false, weightDecay: p.weightDecay },
      schedule: { kind: 'cosine', warmupEpochs: p.warmupEpochs },
      labelSmoothing: p.labelSmoothing,
      randomErasing: p.randomErasing,
      seed: 0,
      workers: { min: 1, max: p.replicas },
    });
    expect(p.warmupEpochs).toBe(0.5);
  });

  it('the wide preset widens stages 3 and 4, at 32², for 30 epochs with label smoothing', () => {
    const spec = buildJobSpec({ dataset: 'fashion-mnist', preset: 'fashion-mnist-wide' });
    expect(spec).toMatchObject({
      architecture: { numBlocks: [1, 2, 2, 1], widthMultiplier: [0.25, 0.25, 0.375, 0.5] },
      imageSize: 32,
      epochs: 30,
      labelSmoothing: 0.1,
    });
    expect(
      buildJobSpec({ dataset: 'fashion-mnist', preset: 'fashion-mnist-wide', epochs: 3 }),
    ).toMatchObject({ epochs: 3, imageSize: 32 });
  });

  it('refuses --preset without its dataset in one line', () => {
    expect(() => buildJobSpec({ preset: 'fashion-mnist-wide', data: dir })).toThrow(
      new UsageError(
        '--preset fashion-mnist-wide needs the dataset it trains',
        'pass --dataset fashion-mnist with it',
      ),
    );
  });

  it('lets flags override the preset and a spec file, and reads YAML', () => {
    const file = join(dir, 'job.yaml');
    writeFileSync(file, 'name: from-file\noptimizer:\n  lr: 0.2\n  momentum: 0.8\nepochs: 3\n');
    const spec = buildJobSpec({ spec: file, dataset: 'fashion-mnist', epochs: 4, weightDecay: 0 });
    expect(spec).toMatchObject({
      name: 'fashion-mnist',
      epochs: 4,
      optimizer: { lr: 0.1, momentum: 0.9, weightDecay: 0 },
    });
    const fp16 = jobSpecSchema.parse(buildJobSpec({ dataset: 'fashion-mnist', wire: 'fp16' }));
    expect(fp16.wire).toBe('fp16');
    expect(jobSpecSchema.parse(buildJobSpec({ dataset: 'fashion-mnist' })).wire).toBe('fp32');
    const on = jobSpecSchema.parse(buildJobSpec({ dataset: 'fashion-mnist', overlap: 'on' }));
    expect(on.overlap).toBe(true);
    expect(jobSpecSchema.parse(buildJobSpec({ dataset: 'fashion-mnist' })).overlap).toBe(false);
    const erasing = buildJobSpec({
      dataset: 'fashion-mnist',
      randomErasing: 0.5,
      labelSmoothing: 0.1,
    });
    expect(jobSpecSchema.parse(erasing)).toMatchObject({ randomErasing: 0.5, labelSmoothing: 0.1 });
    expect(jobSpecSchema.parse(buildJobSpec({ dataset: 'fashion-mnist' })).randomErasing).toBe(0);
    const fromFile = buildJobSpec({ spec: file, data: '/x/y', source: 'idx', workersMax: 2 });
    expect(fromFile).toEqual({
      name: 'from-file',
      optimizer: { lr: 0.2, momentum: 0.8 },
      epochs: 3,
      dataset: { source: 'idx', path: '/x/y' },
      workers: { max: 2 },
    });
  });

  it('detects IDX and image-folder datasets and refuses anything else in one line', () => {
    const idx = join(dir, 'idx');
    mkdirSync(idx);
    writeFileSync(join(idx, 'train-images-idx3-ubyte.gz'), '');
    const folder = join(dir, 'folder');
    mkdirSync(join(folder, 'train'), { recursive: true });
    expect(detectDatasetSource(idx)).toBe('idx');
    expect(detectDatasetSource(folder)).toBe('imagefolder');
    expect(() => detectDatasetSource(join(folder, 'train'))).toThrow(UsageError);
    expect(() => detectDatasetSource(join(dir, 'missing'))).toThrow(/--source idx\|imagefolder/);
    expect(() => buildJobSpec({ epochs: 3 })).toThrow(/no dataset given; pass --dataset/);
  });

  it('names the file when a spec is not JSON', () => {
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, '{ "epochs": ');
    expect(() => buildJobSpec({ spec: bad })).toThrow(/bad\.json is not valid JSON/);
  });
});
