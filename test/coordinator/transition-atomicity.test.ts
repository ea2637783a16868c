import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { firstValueFrom, toArray } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jobSpecSchema, type JobRecord, type StepMetrics } from '@repvgg/contracts';
import { loadCoordinatorConfig } from '../../apps/coordinator/src/config/coordinator-config';
import { JobEventsService } from '../../apps/coordinator/src/jobs/job-events.service';
import { JobService } from '../../apps/coordinator/src/jobs/job.service';
import { RedisStoreRepository } from '../../apps/coordinator/src/repositories/redis-store.repository';
import { freePort, startRedis, stopRedis } from '../support/private-redis';
import { tinyJobSpec, writeIdxDataset } from './coordinator.harness';

/**
 * A state change is one write, and so is a committed step (record, step metrics, `step` event): record, per-state index, transition log and `state` event land
 * together or not at all. A coordinator killed between separate writes would leave a state whose
 * event never comes (SSE clients wait for it forever); here the fault is a Redis user that may
 * write everything but events (ACL -xadd), on a private redis-server: the event write fails after
 * the others were sent, as a crash between them would.
 */
const dir = mkdtempSync(join(tmpdir(), 'atomic-'));
const prefix = `atomic${randomBytes(4).toString('hex')}`;
let redis: ChildProcess | undefined;
let admin: Redis;
let full: RedisStoreRepository;
let noEvents: RedisStoreRepository;
let jobs: JobService;
let jobsWithoutEvents: JobService;
let events: JobEventsService;

beforeAll(async () => {
  const port = await freePort();
  redis = await startRedis(port, dir);
  admin = new Redis(port, '127.0.0.1');
  await admin.call('ACL', 'SETUSER', 'noevents', 'on', 'nopass', '~*', '&*', '+@all', '-xadd');
  writeIdxDataset(join(dir, 'data', 'tiny'), 40);
  const config = loadCoordinatorConfig({
    REDIS_URL: `redis://127.0.0.1:${port}`,
    REPVGG_API_TOKENS: 'atomicity-test-token-0123456789',
    REPVGG_DATA_ROOTS: join(dir, 'data'),
    REPVGG_ARTIFACTS: join(dir, 'artifacts'),
  });
  full = new RedisStoreRepository(config.redisUrl, prefix);
  noEvents = new RedisStoreRepository(`redis://noevents:any@127.0.0.1:${port}`, prefix);
  jobs = new JobService(full, config);
  jobsWithoutEvents = new JobService(noEvents, config);
  events = new JobEventsService(full);
});

afterAll(async () => {
  events.onModuleDestroy();
  await Promise.all([full.close(), noEvents.close(), admin.quit()]);
  if (redis !== undefined) await stopRedis(redis);
  rmSync(dir, { recursive: true, force: true });
});

const spec = () => jobSpecSchema.parse(tinyJobSpec(join(dir, 'data')));

/** The metrics a leader reports for step `n` of epoch 0. */
const stepMetrics = (n: number): StepMetrics => ({
  epoch: 0,
  step: n,
  loss: 1,
  lr: 0.1,
  images: 8,
  seconds: 0.01,
  allreduceSeconds: 0,
  workers: 1,
  at: new Date().toISOString(),
});

/** Every key under the test's prefix, sorted. */
async function keys(): Promise<string[]> {
  return (await admin.keys(`${prefix}:*`)).sort();
}

/** Everything the store holds about job `id`. */
async function stored(id: string) {
  return {
    record: await full.getJob(id),
    transitions: await full.getTransitions(id),
    events: (await full.readEvents(id)).map((e) => e.event),
    byState: Object.fromEntries(await full.countByState()),
  };
}

describe('a job state change is one atomic write', () => {
  it('a transition whose event cannot be written changes nothing', async () => {
    const { id } = await jobs.submit(spec());
    const before = await stored(id);
    expect(before.record?.state).toBe('queued');
    expect(before.events).toHaveLength(1);

    await expect(jobsWithoutEvents.transition(id, 'preparing', 'validating')).rejects.toThrow(
      /EXECABORT|NOPERM/,
    );
    expect(await stored(id)).toEqual(before);

    const moved = await jobs.transition(id, 'preparing', 'validating');
    const after = await stored(id);
    expect(after.record).toEqual(moved);
    expect(after.transitions.map((t) => t.to)).toEqual(['queued', 'preparing']);
    expect(after.events.at(-1)).toEqual({
      type: 'state',
      jobId: id,
      transition: after.transitions.at(-1),
    });
    expect(after.byState.preparing).toBe(before.byState.preparing + 1);
    expect(after.byState.queued).toBe(before.byState.queued - 1);
  });

  it('a job whose first event cannot be written is not created', async () => {
    const before = await keys();
    await expect(jobsWithoutEvents.submit(spec())).rejects.toThrow(/EXECABORT|NOPERM/);
    expect(await keys()).toEqual(before);
  });

  it('a committed step is one write: record, metrics and event, or none of them', async () => {
    const { id } = await jobs.submit(spec());
    await jobs.transition(id, 'preparing', 'validating');
    await jobs.transition(id, 'running', 'dataset ok');
    const metrics = stepMetrics(0);
    const advance = (r: JobRecord): JobRecord => ({
      ...r,
      latestMetrics: metrics,
      progress: { ...r.progress, committedSteps: 1 },
    });
    const before = { ...(await stored(id)), steps: await full.getStepMetrics(id, 10) };
    await expect(jobsWithoutEvents.commitStep(id, advance, metrics)).rejects.toThrow(
      /EXECABORT|NOPERM/,
    );
    expect({ ...(await stored(id)), steps: await full.getStepMetrics(id, 10) }).toEqual(before);

    const committed = await jobs.commitStep(id, advance, metrics);
    expect(committed?.progress.committedSteps).toBe(1);
    const after = await stored(id);
    expect(after.record).toEqual(committed);
    expect(await full.getStepMetrics(id, 10)).toEqual([metrics]);
    expect(after.events.at(-1)).toEqual({ type: 'step', jobId: id, metrics });
    // a step the record already holds (null from the mutation) writes nothing
    expect(await jobs.commitStep(id, () => null, metrics)).toBeNull();
    expect(await full.getStepMetrics(id, 10)).toHaveLength(1);
    expect((await stored(id)).events).toEqual(after.events);
  });

  it('live readers get every event of a job in stream order, the terminal one last', async () => {
    const { id } = await jobs.submit(spec());
    await jobs.transition(id, 'preparing', 'validating');
    await jobs.transition(id, 'running', 'dataset ok');
    const live = firstValueFrom(events.stream(id).pipe(toArray()));
    // Step events and the cancellation race, as a leader's reports race a cancel request.
    await Promise.all([
      ...Array.from({ length: 20 }, (_, n) =>
        events.publish(id, { type: 'step', jobId: id, metrics: stepMetrics(n) }),
      ),
      jobs.cancel(id),
      ...Array.from({ length: 20 }, (_, n) =>
        events.publish(id, { type: 'step', jobId: id, metrics: stepMetrics(20 + n) }),
      ),
    ]);
    const got = await live;
    const all = await full.readEvents(id);
    const cancelled = all.findIndex(
      ({ event: e }) => e.type === 'state' && e.transition.to === 'cancelled',
    );
    expect(cancelled).toBeGreaterThan(0);
    expect(got.map((e) => e.id)).toEqual(all.slice(0, cancelled + 1).map((e) => e.id));
  });
});
