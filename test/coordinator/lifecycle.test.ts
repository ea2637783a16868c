import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { join } from 'node:path';
import request from 'supertest';
import { z } from 'zod';
import { jobEventSchema, type JobView } from '@repvgg/contracts';
import { FakeWorker } from './fake-worker';
import {
  startHarness,
  AUTH,
  submitJob,
  until,
  viewJob,
  writeIdxDataset,
  type Harness,
} from './coordinator.harness';

let h: Harness;
const workers: FakeWorker[] = [];

beforeAll(async () => {
  h = await startHarness();
  writeIdxDataset(join(h.dataRoot, 'tiny'), 40);
});
afterAll(async () => {
  for (const w of workers) w.kill();
  await h.close();
});

const view = (id: string): Promise<JobView> => viewJob(h, id);
const submit = (extra: Record<string, unknown> = {}): Promise<string> => submitJob(h, extra);
const worker = async (stepMs: number): Promise<FakeWorker> => {
  const w = await new FakeWorker(h.coordinator.grpcPort, 3, stepMs, h.artifacts).start();
  workers.push(w);
  return w;
};

describe('job lifecycle against Redis and BullMQ', () => {
  it('accepts concurrent submissions and queues every shard as a flow', async () => {
    const ids = await Promise.all(Array.from({ length: 8 }, () => submit()));
    expect(new Set(ids).size).toBe(8);
    await until(
      async () => (await Promise.all(ids.map(view))).every((v) => v.state === 'running'),
      'all jobs running',
    );
    // 5 steps per epoch in shards of 2: three shards per job, none done without workers.
    const metrics = (await request(h.url()).get('/metrics').set(AUTH).expect(200)).text;
    expect(metrics).toMatch(/repvgg_shard_backlog 24/);
    expect(metrics).toMatch(/repvgg_jobs\{state="running"\} 8/);
    await Promise.all(
      ids.map((id) => request(h.url()).post(`/v1/jobs/${id}/cancel`).set(AUTH).expect(200)),
    );
    await until(async () => {
      const text = (await request(h.url()).get('/metrics').set(AUTH)).text;
      return /repvgg_shard_backlog 0/.test(text);
    }, 'cancelled flows to drain');
  });

  it('carries on after a coordinator restart, counting every step once', async () => {
    const id = await submit({ epochs: 2 });
    const first = await worker(150);
    await until(async () => (await view(id)).progress.committedSteps >= 2, 'two steps');
    const before = await view(id);
    first.kill();
    await h.restart();

    const after = await view(id);
    expect(after.state).toBe('running');
    expect(after.progress.completedSteps).toBeGreaterThanOrEqual(before.progress.completedSteps);
    await worker(10);
    await until(
      async () => (await view(id)).state === 'succeeded',
      'success after restart',
      30_000,
    );
    const done = await view(id);
    expect(done.generation).toBeGreaterThan(before.generation);
    expect(done.progress.completedSteps).toBe(10);
    expect(done.transitions.map((t) => t.to)).toEqual([
      'queued',
      'preparing',
      'running',
      'finalizing',
      'succeeded',
    ]);
    const events = (await request(h.url()).get(`/v1/jobs/${id}/events`).set(AUTH).buffer(true)).text
      .split('\n\n')
      .filter((b) => b.includes('data: '))
      .map((b) => jobEventSchema.parse(JSON.parse(b.split('data: ')[1])));
    const steps = events.flatMap((e) =>
      e.type === 'step' ? [`${e.metrics.epoch}:${e.metrics.step}`] : [],
    );
    expect(steps).toEqual(['0:0', '0:1', '0:2', '0:3', '0:4', '1:0', '1:1', '1:2', '1:3', '1:4']);
  });

  it('gives a shared worker to the higher-priority job at a step boundary and back', async () => {
    for (const old of workers) old.kill();
    const w = await worker(60);
    const low = await submit({ epochs: 3, priority: 0 });
    await until(async () => (await view(low)).workers.includes(w.id), 'low to get the worker');
    await until(async () => (await view(low)).progress.committedSteps >= 1, 'low to train');
    const high = await submit({ epochs: 1, priority: 10 });
    await until(async () => (await view(high)).workers.includes(w.id), 'high to take the worker');
    expect((await view(low)).workers).toEqual([]);
    await until(async () => (await view(high)).state === 'succeeded', 'high to finish', 30_000);
    await until(async () => (await view(low)).workers.includes(w.id), 'the worker back on low');
    await until(async () => (await view(low)).state === 'succeeded', 'low to finish', 30_000);
    const lowDone = await view(low);
    expect(lowDone.progress.completedSteps).toBe(15);
    expect(z.array(z.number()).parse(lowDone.workerHistory.map((g) => g.workers))).toEqual([
      1, 0, 1,
    ]);
  });
});
