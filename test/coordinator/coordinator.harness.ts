import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import request from 'supertest';
import { z } from 'zod';
import { jobRecordSchema, jobViewSchema, type JobView } from '@repvgg/contracts';
import { encodeIdx } from '@repvgg/training/data';
import { startCoordinator, type RunningCoordinator } from '@repvgg/coordinator';

export const TOKEN = 'test-token-0123456789abcdef';
export const AUTH = { Authorization: `Bearer ${TOKEN}` };

/** The smallest job that trains for real on `writeIdxDataset(join(dataRoot, 'tiny'), 40)`. */
export const tinyJobSpec = (dataRoot: string, extra: Record<string, unknown> = {}) => ({
  dataset: { source: 'idx', path: join(dataRoot, 'tiny') },
  architecture: { numBlocks: [1, 1, 1, 1], widthMultiplier: [0.125, 0.125, 0.125, 0.125] },
  imageSize: 8,
  epochs: 2,
  globalBatch: 8,
  virtualReplicas: 2,
  workers: { min: 1, max: 1 },
  shardSteps: 2,
  ...extra,
});

/** A tiny MNIST-style IDX dataset: `train` images of 8×8 over `classes` labels, 4 test images. */
export function writeIdxDataset(dir: string, train: number, classes = 3): void {
  mkdirSync(dir, { recursive: true });
  const write = (prefix: string, n: number): void => {
    const pixels = new Uint8Array(n * 64).map((_, i) => (i * 37) % 256);
    const labels = new Uint8Array(n).map((_, i) => i % classes);
    writeFileSync(join(dir, `${prefix}-images-idx3-ubyte`), encodeIdx([n, 8, 8], pixels));
    writeFileSync(join(dir, `${prefix}-labels-idx1-ubyte`), encodeIdx([n], labels));
  };
  write('train', train);
  write('t10k', 4);
}

export interface Harness {
  readonly base: string;
  readonly dataRoot: string;
  readonly artifacts: string;
  readonly prefix: string;
  readonly env: Record<string, string>;
  coordinator: RunningCoordinator;
  url(): string;
  restart(): Promise<void>;
  close(): Promise<void>;
}

/** A coordinator on free ports with its own Redis key prefix, data root and artifact store. */
export async function startHarness(env: Record<string, string> = {}): Promise<Harness> {
  const base = mkdtempSync(join(tmpdir(), 'coord-'));
  const dataRoot = join(base, 'data');
  const artifacts = join(base, 'artifacts');
  mkdirSync(dataRoot);
  const prefix = `t${randomBytes(6).toString('hex')}`;
  const fullEnv = {
    PORT: '0',
    GRPC_PORT: '0',
    HOST: '127.0.0.1',
    REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
    REPVGG_REDIS_PREFIX: prefix,
    REPVGG_API_TOKENS: TOKEN,
    REPVGG_DATA_ROOTS: dataRoot,
    REPVGG_ARTIFACTS: artifacts,
    REPVGG_HEARTBEAT_MS: '100',
    REPVGG_HEARTBEAT_TIMEOUT_MS: '1000',
    REPVGG_QUEUE_LOCK_MS: '1000',
    ...env,
  } satisfies Record<string, string>;
  const start = (): Promise<RunningCoordinator> => startCoordinator(fullEnv, { logger: false });
  const h: Harness = {
    base,
    dataRoot,
    artifacts,
    prefix,
    env: fullEnv,
    coordinator: await start(),
    url: () => `http://127.0.0.1:${h.coordinator.httpPort}`,
    async restart() {
      await h.coordinator.close();
      h.coordinator = await start();
    },
    async close() {
      await h.coordinator.close();
      await deleteKeys(fullEnv.REDIS_URL, prefix);
      rmSync(base, { recursive: true, force: true });
    },
  };
  return h;
}

export async function deleteKeys(url: string, prefix: string): Promise<void> {
  const redis = new Redis(url);
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length > 0) await redis.del(...keys);
  } while (cursor !== '0');
  await redis.quit();
}

/** A response body checked against its contract schema. */
export const body = <S extends z.ZodType>(schema: S, res: { body: unknown }): z.output<S> =>
  schema.parse(res.body);

/** GET /v1/jobs/:id, checked against the job view contract. */
export const viewJob = async (h: Harness, id: string): Promise<JobView> =>
  body(jobViewSchema, await request(h.url()).get(`/v1/jobs/${id}`).set(AUTH).expect(200));

/** Submits `tinyJobSpec` with `extra` and returns the new job's id. */
export const submitJob = async (h: Harness, extra: Record<string, unknown> = {}): Promise<string> =>
  body(
    jobRecordSchema,
    await request(h.url())
      .post('/v1/jobs')
      .set(AUTH)
      .send(tinyJobSpec(h.dataRoot, extra))
      .expect(201),
  ).id;

export const errorBodySchema = z.object({
  statusCode: z.number(),
  error: z.string(),
  message: z.string(),
  issues: z.array(z.object({ path: z.string(), message: z.string() })).default([]),
});

export const until = async (
  check: () => Promise<boolean> | boolean,
  what: string,
  timeoutMs = 15_000,
): Promise<void> => {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
};
