import { describe, it, expect } from 'vitest';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import request from 'supertest';
import sharp from 'sharp';
import { z } from 'zod';
import {
  jobEventSchema,
  jobLogLineSchema,
  jobRecordSchema,
  jobViewSchema,
  stepMetricsSchema,
} from '@repvgg/contracts';
import { AUTH, TOKEN, body } from '../coordinator/coordinator.harness';
import { openSse } from '../coordinator/sse.client';
import { workerTestbed } from './worker-processes';

const bed = workerTestbed('unused-idx', 8);

/**
 * An image folder of 16×16 JPEGs, two classes, with one file in train/ that is no JPEG at all;
 * resolves with that file's name in the dataset.
 */
async function writeImageFolder(dir: string): Promise<string> {
  const broken = join(dir, 'train', 'a', 'broken.jpg');
  for (const [split, perClass] of [
    ['train', 8],
    ['val', 2],
  ] as const) {
    for (const [c, label] of ['a', 'b'].entries()) {
      mkdirSync(join(dir, split, label), { recursive: true });
      // 15 good training images and the broken one: 16 fill exactly 2 global batches of 8.
      const count = split === 'train' && label === 'a' ? perClass - 1 : perClass;
      for (let i = 0; i < count; i++) {
        await sharp({
          create: {
            width: 16,
            height: 16,
            channels: 3,
            background: { r: 40 + 150 * c, g: 10 * i, b: 200 - 150 * c },
          },
        })
          .jpeg()
          .toFile(join(dir, split, label, `${i}.jpg`));
      }
    }
  }
  writeFileSync(broken, 'this is not a JPEG');
  // Failures name a sample by its path in the dataset.
  return 'train/a/broken.jpg';
}

describe('job logs from real worker processes', () => {
  it('ships the worker’s lines, and a corrupt JPEG shows in the record, the events and the log', async () => {
    const { h } = bed;
    const data = join(h.dataRoot, 'folder');
    const broken = await writeImageFolder(data);
    bed.spawn();
    const created = await request(h.url())
      .post('/v1/jobs')
      .set(AUTH)
      .send({
        dataset: { source: 'imagefolder', path: data },
        architecture: { numBlocks: [1, 1, 1, 1], widthMultiplier: [0.125, 0.125, 0.125, 0.125] },
        // 16: the last stage still sees 2×2 values per channel when a replica's micro-batch is
        // down to one image (a decode failure shrinks it).
        imageSize: 16,
        epochs: 1,
        globalBatch: 8,
        virtualReplicas: 2,
        workers: { min: 1, max: 1 },
        shardSteps: 2,
      })
      .expect(201);
    const id = body(jobRecordSchema, created).id;
    const follow = await openSse(`${h.url()}/v1/jobs/${id}/logs?follow=true`, {
      Authorization: `Bearer ${TOKEN}`,
    });
    await follow.ended;
    const lines = follow.events.map((e) => jobLogLineSchema.parse(JSON.parse(e.data)));
    expect(lines.at(-1)?.message).toMatch(/^finalizing → succeeded/);
    const fromWorker = lines.filter((l) => l.source !== 'coordinator');
    expect(fromWorker.map((l) => l.message)).toEqual(
      expect.arrayContaining([
        expect.stringMatching(new RegExp(`^generation \\d+ of job ${id}: rank 0 of 1`)),
        expect.stringMatching(/^epoch 0 validated \(top-1 /),
      ]),
    );
    expect(fromWorker.every((l) => l.generation !== undefined)).toBe(true);
    const decodeLines = lines.filter((l) => l.message.includes('could not decode'));
    expect(decodeLines.length).toBeGreaterThan(0);
    expect(decodeLines[0]?.message).toContain(broken);

    const view = body(
      jobViewSchema,
      await request(h.url()).get(`/v1/jobs/${id}`).set(AUTH).expect(200),
    );
    // Read once in the epoch (its micro-batch trains on the other three images).
    expect(view.decodeFailures.count).toBe(1);
    expect(view.decodeFailures.recent.map((f) => f.sample)).toEqual([broken]);
    const events = (
      await request(h.url()).get(`/v1/jobs/${id}/events`).set(AUTH).buffer(true).expect(200)
    ).text
      .split('\n\n')
      .filter((b) => b.includes('event: decode'))
      .map((b) => jobEventSchema.parse(JSON.parse(b.split('data: ')[1] ?? 'null')));
    expect(events).toMatchObject([{ type: 'decode', count: 1, total: 1 }]);
    // The leader's step time split travels with every committed step; the commit is the previous
    // step's, so a shard's first step has none.
    const { steps } = body(
      z.object({ steps: z.array(stepMetricsSchema) }),
      await request(h.url()).get(`/v1/jobs/${id}/metrics?steps=100`).set(AUTH).expect(200),
    );
    expect(steps.length).toBeGreaterThan(0);
    for (const m of steps) {
      expect(m.computeSeconds).toBeGreaterThan(0);
      expect(m.dataWaitSeconds).toBeGreaterThanOrEqual(0);
      expect(m.applySeconds).toBeGreaterThan(0);
      expect((m.computeSeconds ?? 0) + m.allreduceSeconds).toBeLessThanOrEqual(m.seconds);
    }
    expect(steps.filter((m) => m.step % 2 === 1).every((m) => (m.commitSeconds ?? 0) > 0)).toBe(
      true,
    );
    // The job has ended, so its own Prometheus series are gone (bounded growth); the counter while a
    // job runs is checked in test/coordinator/job-logs.test.ts.
  });
});
