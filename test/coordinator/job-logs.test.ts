import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import request from 'supertest';
import {
  jobEventSchema,
  jobLogLineSchema,
  jobRecordSchema,
  type JobLogLine,
} from '@repvgg/contracts';
import {
  AUTH,
  TOKEN,
  body,
  startHarness,
  tinyJobSpec,
  until,
  viewJob,
  writeIdxDataset,
  type Harness,
} from './coordinator.harness';
import { IdleWorker } from './idle-worker';
import { openSse, type SseEvent } from './sse.client';

// Small, so that the cap shows: Redis trims the stream in whole nodes of up to 100 entries.
const LOG_LINES = 150;
const NODE = 100;

let h: Harness;
let worker: IdleWorker;
let stranger: IdleWorker;
let jobId = '';

const lineOf = (e: SseEvent): JobLogLine => jobLogLineSchema.parse(JSON.parse(e.data));
const logsUrl = (follow = false): string =>
  `${h.url()}/v1/jobs/${jobId}/logs${follow ? '?follow=true' : ''}`;
const headers = (last?: string): Record<string, string> => ({
  Authorization: `Bearer ${TOKEN}`,
  ...(last === undefined ? {} : { 'Last-Event-ID': last }),
});
/** Every stored line (the stream ends by itself without follow). */
async function storedLines(last?: string): Promise<SseEvent[]> {
  const s = await openSse(logsUrl(), headers(last));
  expect(s.status).toBe(200);
  await s.ended;
  return s.events;
}
const lines = (n: number, from = 0) =>
  Array.from({ length: n }, (_, i) => ({
    at: new Date().toISOString(),
    level: 'info',
    message: `line ${from + i}`,
    generation: 1,
    rank: 0,
    step: from + i,
  }));

beforeAll(async () => {
  h = await startHarness({ REPVGG_LOG_LINES: String(LOG_LINES) });
  writeIdxDataset(join(h.dataRoot, 'tiny'), 40);
  worker = await new IdleWorker(h.coordinator.grpcPort).start();
  const created = await request(h.url())
    .post('/v1/jobs')
    .set(AUTH)
    .send(tinyJobSpec(h.dataRoot, { workers: { min: 1, max: 1 } }))
    .expect(201);
  jobId = body(jobRecordSchema, created).id;
  await until(async () => (await viewJob(h, jobId)).workers.length === 1, 'a generation');
  // The job takes one worker at most: this one never serves it.
  stranger = await new IdleWorker(h.coordinator.grpcPort).start();
});

afterAll(async () => {
  worker.stop();
  stranger.stop();
  await h.close();
});

describe('job logs', () => {
  it('answers 404 for an unknown job, 401 without a token, 400 for a bad follow', async () => {
    await request(h.url())
      .get('/v1/jobs/00000000-0000-4000-8000-000000000000/logs')
      .set(AUTH)
      .expect(404);
    await request(h.url()).get(`/v1/jobs/${jobId}/logs`).expect(401);
    const bad = await request(h.url())
      .get(`/v1/jobs/${jobId}/logs?follow=maybe`)
      .set(AUTH)
      .expect(400);
    expect(bad.body).toMatchObject({ issues: [{ path: 'follow' }] });
  });

  it('holds the coordinator’s lines about the job: transitions and generations with reasons', async () => {
    const stored = (await storedLines()).map(lineOf);
    expect(stored.every((l) => l.source === 'coordinator')).toBe(true);
    expect(stored.map((l) => l.message)).toEqual(
      expect.arrayContaining([
        'new → queued: submitted',
        'queued → preparing: validating the dataset',
        expect.stringMatching(/^generation \d+: 1 worker\(s\) .* \(job started\)$/),
      ]),
    );
  });

  it('streams a worker’s lines live to a follower and stores them with their place in the job', async () => {
    const before = (await storedLines()).length;
    const follow = await openSse(logsUrl(true), headers());
    await follow.until((e) => e.length >= before);
    await expect(worker.reportLogs({ jobId, lines: lines(3) })).resolves.toBe(true);
    await follow.until((e) => e.length >= before + 3);
    const live = follow.events.slice(before).map(lineOf);
    expect(live.map(({ at: _at, ...rest }) => rest)).toEqual(
      [0, 1, 2].map((i) => ({
        level: 'info',
        source: worker.id,
        generation: 1,
        rank: 0,
        step: i,
        message: `line ${i}`,
      })),
    );
    expect(follow.events.every((e) => e.event === 'log' && /^\d+-\d+$/.test(e.id))).toBe(true);
    follow.close();
    expect((await storedLines()).slice(before).map(lineOf)).toEqual(live);
  });

  it('refuses lines from a worker that never served the job', async () => {
    const refused = await stranger.reportLogs({ jobId, lines: lines(1) });
    const stored = (await storedLines()).map(lineOf);
    expect(refused).toBe(false);
    expect(stored.some((l) => l.source === stranger.id)).toBe(false);
  });

  it('resumes after Last-Event-ID', async () => {
    const all = await storedLines();
    const resumed = await storedLines(all.at(-3)?.id);
    expect(resumed.map((e) => e.id)).toEqual(all.slice(-2).map((e) => e.id));
  });

  it('notes the lines a worker dropped', async () => {
    await worker.reportLogs({ jobId, lines: lines(1, 100), dropped: 7 });
    const stored = (await storedLines()).map(lineOf).slice(-2);
    expect(stored[0]).toMatchObject({ level: 'warn', source: worker.id });
    expect(stored[0]?.message).toMatch(/^7 line\(s\) dropped/);
    expect(stored[1]?.message).toBe('line 100');
  });

  it('makes decode failures visible in the record, the events, /metrics and the log', async () => {
    const samples = [
      { sample: '/data/train/cat/broken.jpg', reason: 'unsupported image format' },
      { sample: '/data/train/dog/empty.jpg', reason: 'empty file' },
    ];
    await expect(
      worker.reportLogs({ jobId, decodeFailures: 3, decodeSamples: samples }),
    ).resolves.toBe(true);
    await worker.reportLogs({ jobId, decodeFailures: 1, decodeSamples: [samples[0]] });
    const view = await viewJob(h, jobId);
    expect(view.decodeFailures).toEqual({ count: 4, recent: [samples[1], samples[0]] });
    const stream = await openSse(`${h.url()}/v1/jobs/${jobId}/events`, headers());
    const decodeEvents = (events: readonly SseEvent[]) =>
      events.filter((e) => e.event === 'decode');
    await stream.until((e) => decodeEvents(e).length >= 2);
    stream.close();
    const decode = decodeEvents(stream.events).map((e) => jobEventSchema.parse(JSON.parse(e.data)));
    expect(decode).toEqual([
      { type: 'decode', jobId, workerId: worker.id, count: 3, total: 3, samples },
      { type: 'decode', jobId, workerId: worker.id, count: 1, total: 4, samples: [samples[0]] },
    ]);
    const metrics = (await request(h.url()).get('/metrics').set(AUTH).expect(200)).text;
    expect(metrics).toContain(`repvgg_decode_failures_total{job="${jobId}"} 4`);
    const logged = (await storedLines()).map(lineOf).filter((l) => l.message.includes('decode'));
    expect(logged.map((l) => [l.level, l.source])).toEqual([
      ['warn', 'coordinator'],
      ['warn', 'coordinator'],
    ]);
    expect(logged[0]?.message).toContain('/data/train/cat/broken.jpg: unsupported image format');
  });

  it('keeps the stream capped', async () => {
    for (let b = 0; b < 6; b++)
      await worker.reportLogs({ jobId, lines: lines(100, 1000 + b * 100) });
    const redis = new Redis(h.env.REDIS_URL);
    const length = await redis.xlen(`${h.prefix}:job:${jobId}:logs`);
    await redis.quit();
    expect(length).toBeGreaterThanOrEqual(LOG_LINES);
    expect(length).toBeLessThan(LOG_LINES + NODE);
    const stored = (await storedLines()).map(lineOf);
    expect(stored).toHaveLength(length);
    expect(stored.at(-1)?.message).toBe('line 1599');
    expect(stored.some((l) => l.message === 'new → queued: submitted')).toBe(false);
  });

  it('ends a follow stream after the job’s terminal line, and a finished job’s at once', async () => {
    const follow = await openSse(logsUrl(true), headers());
    const seen = (await storedLines()).length;
    await follow.until((e) => e.length >= seen);
    await request(h.url()).post(`/v1/jobs/${jobId}/cancel`).set(AUTH).expect(200);
    await follow.ended;
    expect(lineOf(follow.events.at(-1)!).message).toBe('running → cancelled: cancelled by request');
    const again = await openSse(logsUrl(true), headers());
    await again.ended;
    expect(again.events.map((e) => e.id)).toEqual(follow.events.map((e) => e.id));
  });
});
