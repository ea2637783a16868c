import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import request from 'supertest';
import { jobEventSchema, jobRecordSchema } from '@repvgg/contracts';
import { FakeWorker } from './fake-worker';
import {
  body,
  errorBodySchema,
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

const worker = async (stepMs: number): Promise<FakeWorker> => {
  const w = await new FakeWorker(h.coordinator.grpcPort, 3, stepMs, h.artifacts).start();
  workers.push(w);
  return w;
};
const stateOf = async (id: string): Promise<string> => (await viewJob(h, id)).state;

/** Every Redis key of the harness whose name holds `text`. */
async function keysWith(text: string): Promise<string[]> {
  const redis = new Redis(h.env.REDIS_URL);
  const found: string[] = [];
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${h.prefix}:*`, 'COUNT', 1000);
    cursor = next;
    found.push(...keys.filter((k) => k.includes(text)));
  } while (cursor !== '0');
  await redis.quit();
  return found;
}

const conflict = async (req: request.Test, pattern: RegExp): Promise<void> => {
  const res = await req.set(AUTH).expect(409);
  const message = body(errorBodySchema, res).message;
  expect(message).toMatch(pattern);
  expect(message).not.toMatch(/\n/);
};

describe('resume', () => {
  it('continues a cancelled job from its latest checkpoint through to success', async () => {
    const w = await worker(40);
    // 5 steps per epoch; the fake leader checkpoints at each epoch's end
    const id = await submitJob(h, { epochs: 3 });
    await conflict(request(h.url()).post(`/v1/jobs/${id}/resume`), /only a failed or cancelled/);
    await until(
      async () => (await viewJob(h, id)).progress.epoch === 1,
      'the first epoch checkpointed',
    );
    await until(
      async () => (await viewJob(h, id)).progress.committedSteps >= 2,
      'steps past the checkpoint',
    );
    const cancelled = body(
      jobRecordSchema,
      await request(h.url()).post(`/v1/jobs/${id}/cancel`).set(AUTH).expect(200),
    );
    expect(cancelled.latestCheckpoint).toMatch(/^checkpoints\/step-00000005$/);

    const resumed = body(
      jobRecordSchema,
      await request(h.url()).post(`/v1/jobs/${id}/resume`).set(AUTH).expect(200),
    );
    expect(resumed).toMatchObject({
      state: 'queued',
      reason: 'resumed from checkpoint checkpoints/step-00000005 (epoch 1, step 0)',
      progress: { epoch: 1, committedSteps: 0, completedSteps: 5 },
      latestCheckpoint: 'checkpoints/step-00000005',
    });
    expect(resumed.epochResults.map((e) => e.epoch)).toEqual([0]);
    await until(async () => (await stateOf(id)) === 'succeeded', 'the resumed job to succeed');

    const done = await viewJob(h, id);
    expect(done.progress).toMatchObject({ epoch: 3, completedSteps: 15 });
    expect(done.epochResults.map((e) => e.epoch)).toEqual([0, 1, 2]);
    expect(done.transitions.map((t) => t.to)).toEqual([
      'queued',
      'preparing',
      'running',
      'cancelled',
      'queued',
      'preparing',
      'running',
      'finalizing',
      'succeeded',
    ]);
    // the first generation after the resume trains epoch 1 from its start, from the checkpoint
    const first = w.assignments.find(
      (a) => a.jobId === id && a.generation > cancelled.generation && a.shard != null,
    );
    expect(first).toMatchObject({
      checkpoint: `jobs/${id}/checkpoints/step-00000005`,
      shard: { epoch: 1, resumeStep: 0 },
    });
    await conflict(request(h.url()).post(`/v1/jobs/${id}/resume`), /is succeeded/);

    // the event stream of a resumed job does not end at its earlier cancellation
    const events = (
      await request(h.url()).get(`/v1/jobs/${id}/events`).set(AUTH).buffer(true).expect(200)
    ).text
      .split('\n\n')
      .filter((b) => b.includes('data: '))
      .map((b) => jobEventSchema.parse(JSON.parse(b.split('data: ')[1] ?? 'null')));
    expect(events.at(-1)).toMatchObject({ type: 'state', transition: { to: 'succeeded' } });
    w.kill();
  });

  it('restarts a job without a checkpoint from the start, and a failed one too', async () => {
    const missing = join(h.dataRoot, 'later');
    const id = await submitJob(h, { dataset: { source: 'idx', path: missing } });
    await until(async () => (await stateOf(id)) === 'failed', 'the job to fail');
    writeIdxDataset(missing, 40);
    const resumed = body(
      jobRecordSchema,
      await request(h.url()).post(`/v1/jobs/${id}/resume`).set(AUTH).expect(200),
    );
    expect(resumed.reason).toBe('resumed from the start (no checkpoint yet)');
    await until(async () => (await stateOf(id)) === 'running', 'the resumed job to run');
    expect((await viewJob(h, id)).dataset?.trainSamples).toBe(40);
    await request(h.url()).post(`/v1/jobs/${id}/cancel`).set(AUTH).expect(200);
  });

  it('404 for an unknown job, 400 for a malformed id', async () => {
    const unknown = '00000000-0000-4000-8000-000000000000';
    await request(h.url()).post(`/v1/jobs/${unknown}/resume`).set(AUTH).expect(404);
    await request(h.url()).post('/v1/jobs/nope/resume').set(AUTH).expect(400);
  });
});

describe('delete', () => {
  it('removes every trace of a finished job: Redis keys (its log stream too), artifacts', async () => {
    const w = await worker(2);
    const id = await submitJob(h, { epochs: 1 });
    await conflict(request(h.url()).delete(`/v1/jobs/${id}`), /cancel it first/);
    await until(async () => (await stateOf(id)) === 'succeeded', 'the job to succeed', 60_000);
    const jobDir = join(h.artifacts, 'jobs', id);
    expect(existsSync(join(jobDir, 'bundle', 'report.json'))).toBe(true);
    // its log stream among them: DELETE must remove it too
    expect(await keysWith(id)).toContain(`${h.prefix}:job:${id}:logs`);
    // a finished job's series left /metrics when it ended
    expect((await request(h.url()).get('/metrics').set(AUTH).expect(200)).text).not.toContain(id);

    await request(h.url()).delete(`/v1/jobs/${id}`).set(AUTH).expect(204);
    expect(await keysWith(id)).toEqual([]);
    expect(existsSync(jobDir)).toBe(false);
    expect((await request(h.url()).get('/metrics').set(AUTH).expect(200)).text).not.toContain(id);
    for (const p of ['', '/events', '/metrics', '/artifacts']) {
      await request(h.url()).get(`/v1/jobs/${id}${p}`).set(AUTH).expect(404);
    }
    const listed = (await request(h.url()).get('/v1/jobs').set(AUTH).expect(200)).body as {
      jobs: { id: string }[];
    };
    expect(listed.jobs.map((j) => j.id)).not.toContain(id);
    expect(existsSync(jobDir)).toBe(false);
    await request(h.url()).delete(`/v1/jobs/${id}`).set(AUTH).expect(404);
    w.kill();
  });

  it('removes a cancelled job with its queued shards', async () => {
    const id = await submitJob(h);
    await until(async () => (await stateOf(id)) === 'running', 'the job to run');
    expect(await keysWith(`${id}.e0`)).not.toEqual([]);
    await request(h.url()).post(`/v1/jobs/${id}/cancel`).set(AUTH).expect(200);
    await request(h.url()).delete(`/v1/jobs/${id}`).set(AUTH).expect(204);
    expect(await keysWith(id)).toEqual([]);
    await request(h.url()).delete('/v1/jobs/nope').set(AUTH).expect(400);
  });
});
