import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import request from 'supertest';
import { z } from 'zod';
import { stepMetricsSchema } from '@repvgg/contracts';
import { loadCheckpoint } from '@repvgg/training';
import { AUTH, body, until, viewJob, type Harness } from '../coordinator/coordinator.harness';
import { RendezvousService } from '../../apps/coordinator/src/rendezvous/rendezvous.service';
import { bitIdentical, singleProcessWeights, type TinySpec } from './reference-run';
import {
  createIdxJob,
  killAll,
  listWorkers,
  spawnWorker,
  startWorkerTestbed,
  TINY_JOB,
} from './worker-processes';

// 48 images at batch 8: 6 steps an epoch in shards of 2, a checkpoint with every shard.
const TRAIN_IMAGES = 48;
const STEPS_PER_EPOCH = TRAIN_IMAGES / 8;
const SPEC = {
  ...TINY_JOB,
  epochs: 2,
  workers: { min: 1, max: 2 },
  shardSteps: 2,
  checkpointEvery: 1,
} as const satisfies TinySpec & Record<string, unknown>;

let h: Harness;
let dataDir = '';
const children: ChildProcess[] = [];

beforeAll(async () => {
  ({ h, dataDir } = await startWorkerTestbed('tiny-epoch-end-kill', TRAIN_IMAGES));
});

afterAll(async () => {
  await killAll(children);
  await h.close();
});

const start = (n: number): void => {
  for (let i = 0; i < n; i++) children.push(spawnWorker(h, 'inherit'));
};

/**
 * Every worker SIGKILLed the moment the coordinator has recorded epoch 0's last step: no member
 * lives to validate it, so the epoch's final state must come from a checkpoint.
 */
function killEveryWorkerAfterEpochEnd(): void {
  const rendezvous = h.coordinator.app.get(RendezvousService);
  const report = rendezvous.reportStep.bind(rendezvous);
  let fired = false;
  rendezvous.reportStep = async (req) => {
    const proceed = await report(req);
    if (!fired && req.epoch === 0 && req.step === STEPS_PER_EPOCH - 1) {
      fired = true;
      await killAll(children);
    }
    return proceed;
  };
}

describe('every worker killed between an epoch end and its validation', () => {
  it('new workers validate from the last step checkpoint and finish to the reference', async () => {
    killEveryWorkerAfterEpochEnd();
    start(2);
    await until(async () => (await listWorkers(h)).length === 2, 'two workers', 30_000);
    const id = await createIdxJob(h, SPEC, dataDir);
    await until(
      async () => (await listWorkers(h)).length === 0,
      'every worker killed after epoch 0',
      90_000,
    );
    start(2);
    await until(
      async () => ['succeeded', 'failed'].includes((await viewJob(h, id)).state),
      'the job to end',
      120_000,
    );
    const done = await viewJob(h, id);
    expect(`${done.state}: ${done.reason}`).toMatch(/^succeeded/);
    const metrics = body(
      z.object({ steps: z.array(stepMetricsSchema) }),
      await request(h.url()).get(`/v1/jobs/${id}/metrics?steps=1000`).set(AUTH).expect(200),
    );
    // Nothing lost, nothing trained twice.
    expect(metrics.steps.map((m) => m.epoch * STEPS_PER_EPOCH + m.step)).toEqual(
      Array.from({ length: 2 * STEPS_PER_EPOCH }, (_, i) => i),
    );
    const trained = (await loadCheckpoint(join(h.artifacts, 'jobs', id, 'final-checkpoint')))
      .weights;
    expect(bitIdentical(trained, await singleProcessWeights(dataDir, SPEC))).toEqual([]);
  }, 240_000);
});
