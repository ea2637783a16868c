import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import request from 'supertest';
import { jobPageSchema, jobRecordSchema, type JobPage } from '@repvgg/contracts';
import { RedisStoreRepository } from '../../apps/coordinator/src/repositories/redis-store.repository';
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

beforeAll(async () => {
  h = await startHarness();
  writeIdxDataset(join(h.dataRoot, 'tiny'), 40);
});
afterAll(async () => {
  await h.close();
});

const submit = (extra: Record<string, unknown> = {}): Promise<string> => submitJob(h, extra);

const page = async (query: Record<string, string | number>): Promise<JobPage> =>
  body(jobPageSchema, await request(h.url()).get('/v1/jobs').query(query).set(AUTH).expect(200));

/** Every job of the listing, following nextCursor `limit` at a time; also the number of pages. */
async function listAll(query: Record<string, string | number>): Promise<[string[], number]> {
  const ids: string[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const p: JobPage = await page(cursor === null ? query : { ...query, cursor });
    ids.push(...p.jobs.map((j) => j.id));
    cursor = p.nextCursor;
    pages++;
  } while (cursor !== null);
  return [ids, pages];
}

describe('GET /v1/jobs', () => {
  it('pages through every job oldest first and filters by state', async () => {
    const missing = { dataset: { source: 'idx', path: join(h.dataRoot, 'absent') } };
    const ids: string[] = [];
    // one after another: their creation order is the order the listing must keep
    for (let i = 0; i < 7; i++) ids.push(await submit(i % 3 === 0 ? missing : {}));
    const failed = ids.filter((_, i) => i % 3 === 0);
    const others = ids.filter((_, i) => i % 3 !== 0);
    for (const id of ids) {
      await until(async () => {
        const s = (await viewJob(h, id)).state;
        return s === 'failed' || s === 'running';
      }, `job ${id} to fail or run`);
    }
    const cancelled = others.slice(0, 2);
    for (const id of cancelled) {
      await request(h.url()).post(`/v1/jobs/${id}/cancel`).set(AUTH).expect(200);
    }
    const running = others.slice(2);

    expect(await listAll({ limit: 2 })).toEqual([ids, 4]);
    expect(await listAll({ limit: 7 })).toEqual([ids, 1]);
    expect(await listAll({ limit: 1, state: 'failed' })).toEqual([failed, 3]);
    expect(await listAll({ state: 'cancelled' })).toEqual([cancelled, 1]);
    expect(await listAll({ limit: 2, state: 'running' })).toEqual([running, 1]);
    expect(await listAll({ limit: 1, state: 'running' })).toEqual([running, 2]);
    expect((await page({ state: 'succeeded' })).jobs).toEqual([]);
    const first = await page({ limit: 3 });
    expect(first.jobs.map((j) => j.id)).toEqual(ids.slice(0, 3));
    expect(first.jobs[0]).toMatchObject({ id: ids[0], state: 'failed' });

    // a state change moves the job from one listing to the other
    const moved = running[0] ?? '';
    await request(h.url()).post(`/v1/jobs/${moved}/cancel`).set(AUTH).expect(200);
    expect((await listAll({ state: 'running' }))[0]).toEqual(running.slice(1));
    expect((await listAll({ state: 'cancelled' }))[0]).toEqual(
      ids.filter((id) => id === moved || cancelled.includes(id)),
    );
  });

  it.each([
    [{ limit: 0 }, 'limit'],
    [{ limit: 501 }, 'limit'],
    [{ limit: 'ten' }, 'limit'],
    [{ state: 'sleeping' }, 'state'],
    [{ cursor: 'bm90LWEtY3Vyc29y' }, 'cursor'],
    [{ page: 2 }, '(body)'],
  ])('refuses %j naming %s', async (query, field) => {
    const res = await request(h.url()).get('/v1/jobs').query(query).set(AUTH).expect(400);
    const err = body(errorBodySchema, res);
    expect(err.message).toBe('invalid job list query');
    expect(err.issues.map((i) => i.path)).toEqual([field]);
  });
});

describe('the per-state index', () => {
  it('is built once from records written before it existed', async () => {
    const prefix = `${h.prefix}:legacy`;
    const redis = new Redis(h.env.REDIS_URL);
    const store = new RedisStoreRepository(h.env.REDIS_URL, prefix);
    try {
      const old = await viewJob(h, await submit());
      for (const [i, state] of (['failed', 'running', 'failed'] as const).entries()) {
        const createdAt = new Date(Date.parse(old.createdAt) + i).toISOString();
        const record = { ...jobRecordSchema.parse(old), id: `legacy-${i}`, state, createdAt };
        // the layout before the per-state sets: a record and its place in `jobs`
        await redis.set(`${prefix}:job:${record.id}`, JSON.stringify(record));
        await redis.zadd(`${prefix}:jobs`, Date.parse(createdAt), record.id);
      }
      expect((await store.pageJobs('failed', 10, undefined)).jobs).toEqual([]);
      await store.indexStates();
      const failed = await store.pageJobs('failed', 10, undefined);
      expect(failed.jobs.map((j) => j.id)).toEqual(['legacy-0', 'legacy-2']);
      expect((await store.countByState()).get('running')).toBe(1);
    } finally {
      await store.close();
      await redis.quit();
    }
  });
});
