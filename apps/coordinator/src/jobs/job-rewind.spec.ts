import { describe, expect, it } from 'vitest';
import { canTransition, jobRecordSchema, jobSpecSchema } from '@repvgg/contracts';
import { rewindTo } from './job-rewind';

const at = '2026-01-01T00:00:00.000Z';
const result = (epoch: number) => ({
  epoch,
  valLoss: 1,
  top1: 0.5,
  top5: 0.9,
  imagesPerSecond: 1,
  at,
});

const record = jobRecordSchema.parse({
  id: 'j',
  spec: jobSpecSchema.parse({ dataset: { source: 'idx', path: '/d' } }),
  state: 'cancelled',
  reason: 'cancelled by request',
  createdAt: at,
  updatedAt: at,
  dataset: null,
  progress: {
    epoch: 2,
    stepsPerEpoch: 10,
    committedSteps: 7,
    totalSteps: 1200,
    completedSteps: 27,
  },
  latestMetrics: null,
  epochResults: [result(0), result(1)],
  generation: 4,
  workers: ['w1'],
  workerHistory: [{ generation: 4, workers: 1 }],
  latestCheckpoint: 'checkpoints/step-00000015',
});

describe('rewindTo', () => {
  it('puts progress at the checkpoint and drops the results of epochs not reached', () => {
    const r = rewindTo(record, { epoch: 1, step: 5, globalStep: 15 });
    expect(r.progress).toEqual({
      ...record.progress,
      epoch: 1,
      committedSteps: 5,
      completedSteps: 15,
    });
    expect(r.epochResults.map((e) => e.epoch)).toEqual([0]);
    expect(r.workers).toEqual([]);
    expect(r.workerHistory).toEqual(record.workerHistory);
  });

  it('keeps the results of an epoch whose end the checkpoint is', () => {
    const r = rewindTo(record, { epoch: 2, step: 0, globalStep: 20 });
    expect(r.epochResults.map((e) => e.epoch)).toEqual([0, 1]);
  });
});

describe('the resume transition', () => {
  it('leads from failed or cancelled back to queued, from nowhere else', () => {
    expect(canTransition('failed', 'queued')).toBe(true);
    expect(canTransition('cancelled', 'queued')).toBe(true);
    for (const from of ['succeeded', 'running', 'preparing', 'finalizing'] as const) {
      expect(canTransition(from, 'queued')).toBe(false);
    }
    expect(canTransition('failed', 'running')).toBe(false);
  });
});
