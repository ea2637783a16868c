import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { join } from 'node:path';
import request from 'supertest';
import { FailingWorker } from './failing-worker';
import {
  AUTH,
  startHarness,
  submitJob,
  until,
  viewJob,
  writeIdxDataset,
  type Harness,
} from './coordinator.harness';

let h: Harness;
const workers: FailingWorker[] = [];

beforeAll(async () => {
  h = await startHarness();
  writeIdxDataset(join(h.dataRoot, 'tiny'), 40);
});
afterAll(async () => {
  for (const w of workers) w.stop();
  await h.close();
});

const failing = async (error: string | null): Promise<FailingWorker> => {
  const w = await new FailingWorker(h.coordinator.grpcPort, error).start();
  workers.push(w);
  return w;
};

const ended = async (id: string): Promise<void> => {
  await until(async () => (await viewJob(h, id)).state === 'failed', 'the job to fail', 30_000);
};

describe('the failure budget', () => {
  it('fails a job whose every generation fails, with the error, after maxFailures', async () => {
    const error = 'cannot decode train/00017.png: unexpected end of data';
    const w = await failing(error);
    const id = await submitJob(h, { failureBudget: { maxFailures: 3 } });
    await ended(id);
    const job = await viewJob(h, id);
    expect(job.reason).toBe(
      `${error} (3 generations in a row failed without committing a step: failureBudget.maxFailures)`,
    );
    expect(job.spec.failureBudget).toEqual({ maxFailures: 3, noProgressSeconds: 1800 });
    expect(w.failuresReported).toHaveLength(3);
    expect(new Set(w.failuresReported).size).toBe(3);
    expect(job.transitions.map((t) => t.to)).toEqual(['queued', 'preparing', 'running', 'failed']);
    w.stop();
    await until(
      async () =>
        ((await request(h.url()).get('/v1/workers').set(AUTH).expect(200)).body as unknown[])
          .length === 0,
      'the failing worker to leave',
    );
  });

  it('fails a job that holds workers without committing a step for noProgressSeconds', async () => {
    const w = await failing(null);
    const id = await submitJob(h, { failureBudget: { noProgressSeconds: 1 } });
    await ended(id);
    expect((await viewJob(h, id)).reason).toBe(
      'no step committed for 1 s while workers trained (failureBudget.noProgressSeconds)',
    );
    w.stop();
  });
});
