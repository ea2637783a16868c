import { join } from 'node:path';
import { Redis } from 'ioredis';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AUTH,
  startHarness,
  submitJob,
  writeIdxDataset,
  type Harness,
} from './coordinator.harness';

/**
 * An SSE stream whose replay fails (here: the job's stream key holds a string, so XRANGE answers
 * WRONGTYPE, as any Redis failure would surface) ends with an SSE comment saying why, instead of
 * ending silently like a finished stream. The job never runs (no workers), so nothing else writes.
 */
let h: Harness;
beforeAll(async () => {
  h = await startHarness();
  writeIdxDataset(join(h.dataRoot, 'tiny'), 40);
});
afterAll(async () => {
  await h.close();
});

async function breakKey(key: string): Promise<void> {
  const redis = new Redis(h.env.REDIS_URL);
  await redis.del(key);
  await redis.set(key, 'not a stream');
  await redis.quit();
}

describe('a failed event stream', () => {
  it.each([
    ['events', 'events', ''],
    ['logs', 'logs', '?follow=true'],
  ])('GET /v1/jobs/:id/%s says why it ended', async (_, key, query) => {
    const id = await submitJob(h);
    await breakKey(`${h.prefix}:job:${id}:${key}`);
    const res = await request(h.url()).get(`/v1/jobs/${id}/${key}${query}`).set(AUTH).expect(200);
    expect(res.text).toMatch(/^: error: .*WRONGTYPE.*; reconnect with Last-Event-ID$/m);
  });
});
