import { describe, expect, it } from 'vitest';
import { jobRecordSchema, jobSpecSchema, type JobRecord } from '@repvgg/contracts';
import {
  formatDecodeLine,
  formatDuration,
  formatEpochLine,
  formatGenerationLine,
  formatStateLine,
  formatStepLine,
  formatTable,
  JOB_TABLE_HEADERS,
  jobRow,
  progressBar,
} from './job-format';

const NOW = Date.parse('2026-01-01T12:00:00.000Z');

const job = (extra: Partial<JobRecord> = {}): JobRecord =>
  jobRecordSchema.parse({
    id: '3f2a9c1e-1111-4222-8333-444455556666',
    spec: jobSpecSchema.parse({
      name: 'fmnist',
      dataset: { source: 'idx', path: '/data/f' },
      architecture: { numBlocks: [1, 2, 2, 1], widthMultiplier: [0.25, 0.25, 0.25, 0.25] },
      epochs: 10,
    }),
    state: 'running',
    reason: 'training',
    createdAt: '2026-01-01T11:57:30.000Z',
    updatedAt: '2026-01-01T11:59:00.000Z',
    dataset: null,
    progress: {
      epoch: 2,
      stepsPerEpoch: 100,
      committedSteps: 50,
      totalSteps: 1000,
      completedSteps: 250,
    },
    latestMetrics: null,
    epochResults: [
      {
        epoch: 0,
        valLoss: 0.5,
        top1: 0.8,
        top5: 0.99,
        imagesPerSecond: 900,
        at: '2026-01-01T11:58:00.000Z',
      },
      {
        epoch: 1,
        valLoss: 0.4,
        top1: 0.8512,
        top5: 0.995,
        imagesPerSecond: 910,
        at: '2026-01-01T11:59:00.000Z',
      },
    ],
    generation: 3,
    workers: ['w1', 'w2'],
    workerHistory: [],
    latestCheckpoint: null,
    ...extra,
  });

describe('job formatting', () => {
  it('writes durations in two units at most', () => {
    expect([0.4, 42, 185, 7620, 273_600].map(formatDuration)).toEqual([
      '0s',
      '42s',
      '3m05s',
      '2h07m',
      '3d04h',
    ]);
  });

  it('lays out the jobs table with aligned columns and a short id', () => {
    const table = formatTable(JOB_TABLE_HEADERS, [
      jobRow(job(), NOW),
      jobRow(
        job({
          state: 'succeeded',
          spec: jobSpecSchema.parse({ dataset: { source: 'idx', path: '/d' } }),
        }),
        NOW,
      ),
    ]);
    expect(table.split('\n')).toEqual([
      'ID        NAME    STATE      ARCH                                    PROGRESS  WORKERS  TOP-1  AGE',
      '3f2a9c1e  fmnist  running    custom [1,2,2,1]×[0.25,0.25,0.25,0.25]  25%       2        85.1%  2m30s',
      '3f2a9c1e  -       succeeded  RepVGG-A0                               100%      2        85.1%  2m30s',
    ]);
  });

  it('draws the watch progress line with epoch/step, loss, img/s, workers and ETA', () => {
    const line = formatStepLine(
      {
        epoch: 2,
        step: 49,
        loss: 0.41234,
        lr: 0.05,
        images: 128,
        seconds: 0.125,
        allreduceSeconds: 0.01,
        workers: 2,
        at: '2026-01-01T12:00:00.000Z',
      },
      { epochs: 10, stepsPerEpoch: 100, totalSteps: 1000, etaSeconds: 93.7 },
    );
    expect(line).toBe(
      '[#####---------------]   25%  epoch 3/10  step 50/100  loss 0.4123  1024 img/s  workers 2  ETA 1m34s',
    );
    expect(progressBar(2, 4)).toBe('[####]');
    expect(progressBar(-1, 4)).toBe('[----]');
  });

  it('prints epochs, generations, states and decode failures as single lines', () => {
    expect(formatDecodeLine('w1', 2, 5, [{ sample: 'train/cat/1.jpg', reason: 'truncated' }])).toBe(
      'decode failures: 2 more on w1 (5 in the job), e.g. train/cat/1.jpg: truncated',
    );
    const r = job().epochResults[1];
    expect(formatEpochLine(r, 10)).toBe(
      'epoch 2/10: val top-1 85.12%  top-5 99.50%  loss 0.4000  910 img/s',
    );
    expect(formatGenerationLine(4, 1, 'worker w2 left')).toBe(
      'generation 4: 1 worker (worker w2 left)',
    );
    expect(
      formatStateLine({
        from: 'running',
        to: 'failed',
        reason: 'no workers',
        at: '2026-01-01T12:00:00.000Z',
      }),
    ).toBe('state running → failed: no workers');
    expect(
      formatStateLine({
        from: null,
        to: 'queued',
        reason: 'submitted',
        at: '2026-01-01T12:00:00.000Z',
      }),
    ).toBe('state queued: submitted');
  });
});
