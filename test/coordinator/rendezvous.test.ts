import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import request from 'supertest';
import { z } from 'zod';
import { jobEventSchema, jobRecordSchema, workerInfoSchema, type JobView } from '@repvgg/contracts';
import { FakeWorker } from './fake-worker';
import {
  body,
  startHarness,
  AUTH,
  tinyJobSpec,
  until,
  viewJob,
  writeIdxDataset,
  type Harness,
} from './coordinator.harness';

let h: Harness;
const workers: FakeWorker[] = [];
let finished = '';

beforeAll(async () => {
  h = await startHarness();
  writeIdxDataset(join(h.dataRoot, 'tiny'), 40);
});
afterAll(async () => {
  for (const w of workers) w.kill();
  await h.close();
});

const download = (path: string) =>
  request(h.url())
    .get(path)
    .set(AUTH)
    .buffer(true)
    .parse((res, cb) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        cb(null, Buffer.concat(chunks));
      });
    });

const view = (id: string): Promise<JobView> => viewJob(h, id);

const worker = async (stepMs = 40): Promise<FakeWorker> => {
  const w = await new FakeWorker(h.coordinator.grpcPort, 3, stepMs, h.artifacts).start();
  workers.push(w);
  return w;
};

describe('rendezvous with gRPC workers', () => {
  it('drives a job to completion through a join, a crash and a drain', async () => {
    const created = await request(h.url())
      .post('/v1/jobs')
      .set(AUTH)
      .send(tinyJobSpec(h.dataRoot, { epochs: 3, virtualReplicas: 4, workers: { min: 1, max: 3 } }))
      .expect(201);
    const id = body(jobRecordSchema, created).id;

    const a = await worker();
    await until(async () => (await view(id)).generation >= 1, 'a first generation');
    expect((await view(id)).workers).toEqual([a.id]);
    await until(async () => (await view(id)).progress.committedSteps >= 1, 'a first step');

    // A join waits for a step boundary, then both are members; the leader keeps rank 0.
    const b = await worker();
    await until(async () => (await view(id)).workers.length === 2, 'the join');
    const joined = b.assignment!;
    expect(joined.members.map((m) => m.workerId)).toEqual([a.id, b.id]);
    expect(joined.members.map((m) => m.replicas)).toEqual([
      [0, 1],
      [2, 3],
    ]);
    expect(joined.token).toMatch(/^[0-9a-f]{32}$/);
    // Store paths, not this machine's mount of the store: workers resolve them against their own.
    expect(joined.artifactDir).toBe(`jobs/${id}`);
    const listed = z
      .array(workerInfoSchema)
      .parse((await request(h.url()).get('/v1/workers').set(AUTH).expect(200)).body);
    expect(listed.filter((w) => w.jobId === id)).toHaveLength(2);

    // The leader crashes: the next generation forms at once from the survivor, which now leads.
    const before = (await view(id)).generation;
    a.kill();
    await until(async () => {
      const v = await view(id);
      return v.generation > before && v.workers.length === 1;
    }, 'the generation after the crash');
    expect(b.assignment!.leaderId).toBe(b.id);
    expect(b.assignment!.members[0].replicas).toEqual([0, 1, 2, 3]);

    // A third worker joins and then drains: it leaves at a step boundary and is told to idle.
    const c = await worker();
    await until(async () => (await view(id)).workers.includes(c.id), 'c joining');
    await c.drain();
    await until(async () => !(await view(id)).workers.includes(c.id), 'c draining');
    expect(c.assignment!.jobId).toBe('');

    await until(async () => (await view(id)).state === 'succeeded', 'success', 60_000);
    const done = await view(id);
    expect(done.progress).toMatchObject({ epoch: 3, completedSteps: 15, totalSteps: 15 });
    expect(done.epochResults.map((e) => e.epoch)).toEqual([0, 1, 2]);
    expect(done.transitions.map((t) => t.to)).toEqual([
      'queued',
      'preparing',
      'running',
      'finalizing',
      'succeeded',
    ]);
    const counts = new Set(done.workerHistory.map((g) => g.workers));
    expect(counts).toEqual(new Set([1, 2]));
    expect(done.reason).toMatch(/top-1 52\.00%/);
    const fromCheckpoint = b.assignments.map((x) => x.checkpoint).filter((c) => c !== '');
    expect(fromCheckpoint.length).toBeGreaterThan(0);
    for (const c of fromCheckpoint)
      expect(c).toMatch(new RegExp(`^jobs/${id}/checkpoints/step-\\d{8}$`));
    finished = id;
  });

  it('lists and serves the bundle with a sha256 ETag, Range and conditional GET', async () => {
    const base = `/v1/jobs/${finished}/artifacts`;
    const list = z
      .array(z.object({ name: z.string(), size: z.number(), sha256: z.string() }))
      .parse((await request(h.url()).get(base).set(AUTH).expect(200)).body);
    const names = list.map((a) => a.name);
    expect(names).toEqual(
      expect.arrayContaining([
        'bundle/model.onnx',
        'bundle/model.safetensors',
        'bundle/model.json',
        'bundle/report.json',
        'final-checkpoint/model.safetensors',
      ]),
    );
    const onnx = list.find((a) => a.name === 'bundle/model.onnx')!;
    const full = await download(`${base}/bundle/model.onnx`).expect(200);
    expect(full.headers.etag).toBe(`"${onnx.sha256}"`);
    expect(
      createHash('sha256')
        .update(full.body as Buffer)
        .digest('hex'),
    ).toBe(onnx.sha256);
    const part = await request(h.url())
      .get(`${base}/bundle/model.onnx`)
      .set(AUTH)
      .set('Range', 'bytes=0-9')
      .expect(206);
    expect(part.headers['content-range']).toBe(`bytes 0-9/${onnx.size}`);
    await request(h.url())
      .get(`${base}/bundle/model.onnx`)
      .set(AUTH)
      .set('If-None-Match', `"${onnx.sha256}"`)
      .expect(304);
    const report = JSON.parse(
      ((await download(`${base}/bundle/report.json`).expect(200)).body as Buffer).toString(),
    ) as { provenance: Record<string, unknown> };
    expect(report.provenance.jobId).toBe(finished);
    expect(report.provenance.datasetManifestHash).toMatch(/^[0-9a-f]{64}$/);
    for (const bad of ['..%2F..%2Fetc%2Fpasswd', 'bundle/..%2F..%2Fx', '%2Fetc%2Fpasswd']) {
      const res = await request(h.url()).get(`${base}/${bad}`).set(AUTH);
      expect([400, 404]).toContain(res.status);
    }
    await request(h.url()).get(`${base}/bundle/nothing.bin`).set(AUTH).expect(404);
  });

  it('replays the events of a finished job and ends the stream', async () => {
    const res = await request(h.url())
      .get(`/v1/jobs/${finished}/events`)
      .set(AUTH)
      .buffer(true)
      .expect(200);
    expect(res.headers['content-type']).toMatch(/text\/event-stream/);
    const events = res.text
      .split('\n\n')
      .filter((b) => b.includes('data: '))
      .map((b) => jobEventSchema.parse(JSON.parse(b.split('data: ')[1])));
    const types = new Set(events.map((e) => e.type));
    expect(types).toEqual(new Set(['state', 'step', 'epoch', 'generation']));
    expect(events.filter((e) => e.type === 'step')).toHaveLength(15);
    expect(events.at(-1)).toMatchObject({ type: 'state', transition: { to: 'succeeded' } });
    const ids = [...res.text.matchAll(/^id: (\S+)$/gm)].map((m) => m[1]);
    const resumed = await request(h.url())
      .get(`/v1/jobs/${finished}/events`)
      .set(AUTH)
      .set('Last-Event-ID', ids.at(-3)!)
      .buffer(true)
      .expect(200);
    expect([...resumed.text.matchAll(/^id: (\S+)$/gm)].map((m) => m[1])).toEqual(ids.slice(-2));
  });

  it('reports metrics per job and for Prometheus', async () => {
    const m = (
      await request(h.url()).get(`/v1/jobs/${finished}/metrics?steps=5`).set(AUTH).expect(200)
    ).body as { steps: unknown[]; epochs: unknown[] };
    expect(m.steps).toHaveLength(5);
    expect(m.epochs).toHaveLength(3);
    const text = (await request(h.url()).get('/metrics').set(AUTH).expect(200)).text;
    expect(text).toMatch(/repvgg_jobs\{state="succeeded"\} 1/);
    expect(text).toMatch(/repvgg_allreduce_seconds_count 15/);
    expect(text).toMatch(/repvgg_shard_backlog 0/);
    // A finished job's own series are removed (bounded growth); its steps stay in the histograms.
    expect(text).not.toContain(finished);
  });
});
