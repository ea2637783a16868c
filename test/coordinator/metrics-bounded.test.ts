import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { jobSpecSchema, type StepMetrics } from '@repvgg/contracts';
import { loadCoordinatorConfig } from '../../apps/coordinator/src/config/coordinator-config';
import { JobService } from '../../apps/coordinator/src/jobs/job.service';
import { MetricsService } from '../../apps/coordinator/src/metrics/metrics.service';
import type { QueueRepository } from '../../apps/coordinator/src/repositories/queue.repository';
import { RedisStoreRepository } from '../../apps/coordinator/src/repositories/redis-store.repository';
import type { RendezvousService } from '../../apps/coordinator/src/rendezvous/rendezvous.service';
import { deleteKeys, tinyJobSpec, writeIdxDataset } from './coordinator.harness';

/**
 * A coordinator that has run 1,000 jobs: a scrape reads no job record (the jobs gauge counts the
 * per-state sets) and shows series of the running job only — a finished job's series go when it
 * ends. The shard backlog and the worker count are not the subject: their sources answer zero.
 */
const FINISHED = 1_000;
const url = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const prefix = `metrics${randomBytes(4).toString('hex')}`;
const dir = mkdtempSync(join(tmpdir(), 'metrics-'));
let store: RedisStoreRepository;
let jobs: JobService;
let metrics: MetricsService;

beforeAll(() => {
  writeIdxDataset(join(dir, 'tiny'), 40);
  const config = loadCoordinatorConfig({
    REDIS_URL: url,
    REPVGG_API_TOKENS: 'metrics-test-token-0123456789',
    REPVGG_DATA_ROOTS: dir,
    REPVGG_ARTIFACTS: join(dir, 'artifacts'),
  });
  store = new RedisStoreRepository(url, prefix);
  jobs = new JobService(store, config);
  metrics = new MetricsService(
    store,
    { backlog: () => Promise.resolve(0) } as unknown as QueueRepository,
    { listWorkers: () => [] } as unknown as RendezvousService,
    jobs,
  );
});

afterAll(async () => {
  await store.close();
  await deleteKeys(url, prefix);
  rmSync(dir, { recursive: true, force: true });
});

const step: StepMetrics = {
  epoch: 0,
  step: 0,
  loss: 1,
  lr: 0.1,
  images: 8,
  seconds: 0.5,
  allreduceSeconds: 0.01,
  workers: 2,
  at: new Date(0).toISOString(),
};

/** A job that ran a step, counted a decode failure and reported its workers. */
async function runningJob(): Promise<string> {
  const { id } = await jobs.submit(jobSpecSchema.parse(tinyJobSpec(dir)));
  await jobs.transition(id, 'preparing', 'validating');
  await jobs.transition(id, 'running', 'dataset ok');
  metrics.observeStep(id, step);
  metrics.countDecodeFailures(id, 1);
  metrics.setWorkers(id, 2);
  return id;
}

describe('a scrape after 1,000 finished jobs', () => {
  it('reads no job record and shows the series of running jobs only', async () => {
    for (let i = 0; i < FINISHED; i++) {
      const id = await runningJob();
      await jobs.transition(id, i % 2 === 0 ? 'cancelled' : 'failed', 'done');
    }
    const running = await runningJob();
    const reads = [
      vi.spyOn(store, 'getJob'),
      vi.spyOn(store, 'pageJobs'),
      vi.spyOn(store, 'jobsIn'),
    ];
    const text = await metrics.registry.metrics();
    for (const read of reads) expect(read).not.toHaveBeenCalled();
    const jobSeries = text.split('\n').filter((l) => l.includes('job="'));
    // steps, images, their rates, workers and decode failures of the one running job
    expect(jobSeries).toHaveLength(6);
    expect(jobSeries.every((l) => l.includes(`job="${running}"`))).toBe(true);
    expect(text).toContain('repvgg_jobs{state="cancelled"} 500');
    expect(text).toContain('repvgg_jobs{state="running"} 1');
  });
});
