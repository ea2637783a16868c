import { join } from 'node:path';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { autoscaleSchema } from '@repvgg/contracts';
import {
  AUTH,
  body,
  startHarness,
  submitJob,
  writeIdxDataset,
  type Harness,
} from './coordinator.harness';

let h: Harness;
beforeAll(async () => {
  // No worker ever joins: submitted jobs stay runnable, so the plan only changes when we change them.
  h = await startHarness({ REPVGG_MAX_WORKERS: '5' });
  writeIdxDataset(join(h.dataRoot, 'tiny'), 40);
});
afterAll(async () => {
  await h.close();
});

const autoscale = async () =>
  body(autoscaleSchema, await request(h.url()).get('/v1/autoscale').set(AUTH).expect(200));
const gauge = async (): Promise<number> => {
  const text = (await request(h.url()).get('/metrics').set(AUTH).expect(200)).text;
  const line = /^repvgg_autoscale_desired_workers (\d+)$/m.exec(text);
  if (line?.[1] === undefined) throw new Error('repvgg_autoscale_desired_workers is not exported');
  return Number(line[1]);
};

describe('GET /v1/autoscale', () => {
  it('needs the bearer token (KEDA sends it through a TriggerAuthentication)', async () => {
    await request(h.url()).get('/v1/autoscale').expect(401);
  });

  it('follows the runnable jobs by priority under REPVGG_MAX_WORKERS, and /metrics agrees', async () => {
    expect(await autoscale()).toEqual({ desiredWorkers: 0, maxWorkers: 5, jobs: [] });
    expect(await gauge()).toBe(0);

    const low = await submitJob(h, { workers: { min: 2, max: 2 }, virtualReplicas: 4 });
    expect((await autoscale()).desiredWorkers).toBe(2);
    const high = await submitJob(h, {
      workers: { min: 1, max: 4 },
      virtualReplicas: 4,
      priority: 10,
    });
    const plan = await autoscale();
    // high: min 1 then topped up to 3 by the cap of 5 after low's minimum of 2
    expect(plan.jobs.map((j) => [j.id, j.workers])).toEqual([
      [high, 3],
      [low, 2],
    ]);
    expect(plan.desiredWorkers).toBe(5);
    expect(await gauge()).toBe(5);

    await request(h.url()).post(`/v1/jobs/${high}/cancel`).set(AUTH).expect(200);
    expect((await autoscale()).desiredWorkers).toBe(2);
    expect(await gauge()).toBe(2);
  });
});
