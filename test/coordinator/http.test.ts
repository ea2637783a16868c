import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { join } from 'node:path';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import request from 'supertest';
import { jobPageSchema, jobRecordSchema, jobViewSchema } from '@repvgg/contracts';
import {
  body,
  errorBodySchema,
  startHarness,
  AUTH,
  tinyJobSpec,
  until,
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

const spec = (extra: Record<string, unknown> = {}) =>
  tinyJobSpec(h.dataRoot, { virtualReplicas: 4, workers: { min: 1, max: 2 }, ...extra });

describe('health', () => {
  it('answers without a token', async () => {
    await request(h.url()).get('/health/live').expect(200, { status: 'ok' });
    await request(h.url()).get('/health/ready').expect(200, { status: 'ok' });
  });
});

describe('auth', () => {
  it.each(['/v1/jobs', '/v1/workers', '/metrics'])(
    '%s needs a token (401) and the right one (403)',
    async (path) => {
      const missing = await request(h.url()).get(path).expect(401);
      expect(body(errorBodySchema, missing).message).toMatch(/Authorization: Bearer/);
      await request(h.url())
        .get(path)
        .set('Authorization', 'Bearer wrong-token-xxxxxxxxxx')
        .expect(403);
      await request(h.url()).get(path).set('Authorization', 'Basic abc').expect(401);
      await request(h.url()).get(path).set(AUTH).expect(200);
    },
  );
});

describe('API docs', () => {
  it.each(['/docs', '/docs-json', '/docs-yaml'])(
    '%s needs a token like the API (Swagger registers it outside the guard)',
    async (path) => {
      const missing = await request(h.url()).get(path).expect(401);
      expect(body(errorBodySchema, missing).message).toMatch(/Authorization: Bearer/);
      await request(h.url())
        .get(path)
        .set('Authorization', 'Bearer wrong-token-xxxxxxxxxx')
        .expect(403);
      const ok = await request(h.url()).get(path).set(AUTH).expect(200);
      expect(ok.text).toMatch(/repvgg-dist coordinator|swagger/i);
    },
  );
});

describe('POST /v1/jobs', () => {
  it('creates a job with the defaults filled in and prepares it', async () => {
    const res = await request(h.url()).post('/v1/jobs').set(AUTH).send(spec()).expect(201);
    expect(body(jobRecordSchema, res)).toMatchObject({
      state: 'queued',
      spec: { optimizer: { lr: 0.1, momentum: 0.9, weightDecay: 1e-4 }, mode: 'fast' },
    });
    const id = body(jobRecordSchema, res).id;
    await until(async () => {
      const r = await request(h.url()).get(`/v1/jobs/${id}`).set(AUTH);
      return body(jobViewSchema, r).state === 'running';
    }, 'the job to run');
    const view = await request(h.url()).get(`/v1/jobs/${id}`).set(AUTH).expect(200);
    expect(body(jobViewSchema, view).dataset).toMatchObject({
      trainSamples: 40,
      valSamples: 4,
      classes: ['0', '1', '2'],
    });
    expect(body(jobViewSchema, view).progress).toMatchObject({
      stepsPerEpoch: 5,
      totalSteps: 10,
      epoch: 0,
    });
    expect(body(jobViewSchema, view).transitions.map((t) => t.to)).toEqual([
      'queued',
      'preparing',
      'running',
    ]);
    const list = await request(h.url()).get('/v1/jobs').set(AUTH).expect(200);
    expect(body(jobPageSchema, list).jobs.map((j) => j.id)).toContain(id);
    await request(h.url()).post(`/v1/jobs/${id}/cancel`).set(AUTH).expect(200);
    await request(h.url()).post(`/v1/jobs/${id}/cancel`).set(AUTH).expect(409);
  });

  it('names each bad field', async () => {
    const res = await request(h.url())
      .post('/v1/jobs')
      .set(AUTH)
      .send({ ...spec(), epochs: 0, optimizer: { lr: 'fast' }, globalBatch: 7 })
      .expect(400);
    expect(body(errorBodySchema, res).issues.map((i) => i.path)).toEqual(
      expect.arrayContaining(['epochs', 'optimizer.lr']),
    );
  });

  it('refuses malformed JSON and oversized bodies', async () => {
    await request(h.url())
      .post('/v1/jobs')
      .set(AUTH)
      .set('Content-Type', 'application/json')
      .send('{')
      .expect(400);
    await request(h.url())
      .post('/v1/jobs')
      .set(AUTH)
      .send({ ...spec(), name: 'x'.repeat(100_000) })
      .expect(413);
  });

  it('confines dataset paths to the data roots', async () => {
    mkdirSync(join(h.base, 'outside'));
    symlinkSync(join(h.base, 'outside'), join(h.dataRoot, 'link'));
    for (const path of [
      '/etc',
      `${h.dataRoot}/../outside`,
      'relative/path',
      join(h.dataRoot, 'link'),
    ]) {
      const res = await request(h.url())
        .post('/v1/jobs')
        .set(AUTH)
        .send(spec({ dataset: { source: 'idx', path } }))
        .expect(400);
      expect(body(errorBodySchema, res).issues[0]?.path).toBe('dataset.path');
    }
  });

  it('refuses an initialCheckpoint outside the artifact store and fails one that is missing', async () => {
    const bad = await request(h.url())
      .post('/v1/jobs')
      .set(AUTH)
      .send(spec({ initialCheckpoint: '../etc' }))
      .expect(400);
    expect(body(errorBodySchema, bad).issues.map((i) => i.path)).toEqual(['initialCheckpoint']);
    const res = await request(h.url())
      .post('/v1/jobs')
      .set(AUTH)
      .send(spec({ initialCheckpoint: 'jobs/none/final-checkpoint' }))
      .expect(201);
    const id = body(jobRecordSchema, res).id;
    await until(
      async () =>
        body(jobViewSchema, await request(h.url()).get(`/v1/jobs/${id}`).set(AUTH)).state ===
        'failed',
      'failure',
    );
    const view = body(jobViewSchema, await request(h.url()).get(`/v1/jobs/${id}`).set(AUTH));
    expect(view.reason).toMatch(/initialCheckpoint jobs\/none\/final-checkpoint is not/);
  });

  it('fails a job whose dataset is missing, wrong or too small, with the reason', async () => {
    mkdirSync(join(h.dataRoot, 'empty'));
    writeFileSync(join(h.dataRoot, 'empty', 'README'), 'nothing');
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ dataset: { source: 'idx', path: join(h.dataRoot, 'missing') } }, /missing/],
      [{ dataset: { source: 'idx', path: join(h.dataRoot, 'empty') } }, /empty/],
      [{ globalBatch: 64 }, /40 training images, fewer than one global batch of 64/],
    ];
    for (const [extra, reason] of cases) {
      const res = await request(h.url()).post('/v1/jobs').set(AUTH).send(spec(extra)).expect(201);
      await until(
        async () =>
          body(
            jobViewSchema,
            await request(h.url())
              .get(`/v1/jobs/${body(jobRecordSchema, res).id}`)
              .set(AUTH),
          ).state === 'failed',
        'failure',
      );
      const view = await request(h.url())
        .get(`/v1/jobs/${body(jobRecordSchema, res).id}`)
        .set(AUTH);
      expect(body(jobViewSchema, view).reason).toMatch(reason);
    }
  });
});

describe('job reads', () => {
  it('404 for unknown jobs, 400 for malformed ids', async () => {
    const unknown = '00000000-0000-4000-8000-000000000000';
    for (const p of ['', '/metrics', '/artifacts', '/events', '/artifacts/model.onnx']) {
      await request(h.url()).get(`/v1/jobs/${unknown}${p}`).set(AUTH).expect(404);
    }
    await request(h.url()).post(`/v1/jobs/${unknown}/cancel`).set(AUTH).expect(404);
    await request(h.url()).get('/v1/jobs/not-a-uuid').set(AUTH).expect(400);
  });
});
