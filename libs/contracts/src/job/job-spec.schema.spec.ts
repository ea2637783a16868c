import { describe, it, expect } from 'vitest';
import { z } from 'zod';
import { jobSpecSchema } from './job-spec.schema';

const dataset = { source: 'idx', path: '/data/fashion' } as const;

describe('jobSpecSchema', () => {
  it("fills in the paper's recipe", () => {
    const spec = jobSpecSchema.parse({ dataset });
    expect(spec).toMatchObject({
      architecture: 'RepVGG-A0',
      epochs: 120,
      globalBatch: 256,
      virtualReplicas: 8,
      optimizer: { lr: 0.1, momentum: 0.9, nesterov: false, weightDecay: 1e-4 },
      schedule: { kind: 'cosine', warmupEpochs: 0 },
      labelSmoothing: 0,
      randomErasing: 0,
      workers: { min: 1, max: 8 },
      dataset: { format: 'auto' },
    });
  });

  it('accepts official names in any case and custom architectures', () => {
    for (const architecture of ['A0', 'repvgg-b1g4', 'RepVGG-B3g2']) {
      expect(jobSpecSchema.safeParse({ dataset, architecture }).success).toBe(true);
    }
    const custom = { numBlocks: [1, 1, 1, 1], widthMultiplier: [0.25, 0.25, 0.25, 0.5] };
    expect(jobSpecSchema.parse({ dataset, architecture: custom }).architecture).toEqual({
      ...custom,
      overrideGroupsMap: {},
    });
  });

  it('names every bad field', () => {
    const r = jobSpecSchema.safeParse({
      dataset: { source: 'tar', path: '' },
      architecture: 'C3',
      globalBatch: 10,
      optimizer: { lr: -1 },
      workers: { min: 4, max: 2 },
      extra: true,
    });
    expect(r.success).toBe(false);
    const paths = r.error!.issues.map((i) => i.path.join('.'));
    expect(paths).toEqual(
      expect.arrayContaining([
        'dataset.source',
        'dataset.path',
        'architecture',
        'optimizer.lr',
        '',
      ]),
    );
  });

  it('takes a random-erasing probability in [0, 1]', () => {
    expect(jobSpecSchema.parse({ dataset, randomErasing: 0.5 }).randomErasing).toBe(0.5);
    for (const randomErasing of [-0.1, 1.5]) {
      const r = jobSpecSchema.safeParse({ dataset, randomErasing });
      expect(r.error!.issues.map((i) => i.path.join('.'))).toEqual(['randomErasing']);
    }
  });

  it('takes a fractional warm-up (the Fashion-MNIST recipe) but no negative one', () => {
    const spec = { dataset, epochs: 10, schedule: { warmupEpochs: 0.5 } };
    expect(jobSpecSchema.parse(spec).schedule.warmupEpochs).toBe(0.5);
    const r = jobSpecSchema.safeParse({ ...spec, schedule: { warmupEpochs: -0.5 } });
    expect(r.error!.issues.map((i) => i.path.join('.'))).toEqual(['schedule.warmupEpochs']);
  });

  it('rejects a batch that does not split into replicas and more workers than replicas', () => {
    const r = jobSpecSchema.safeParse({ dataset, globalBatch: 100, workers: { max: 16 } });
    expect(r.error!.issues.map((i) => i.path.join('.'))).toEqual(['globalBatch', 'workers.max']);
  });

  it('converts to JSON schema for the OpenAPI document', () => {
    const schema = z.toJSONSchema(jobSpecSchema, { io: 'input' });
    expect(schema).toMatchObject({ type: 'object', required: ['dataset'] });
  });
});
