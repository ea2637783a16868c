import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import request from 'supertest';
import { expandArch, initStateDict, type ArchSpec, type StateDict } from '@repvgg/core';
import { initBackend } from '@repvgg/core/compute/backend';
import { TrainModel } from '@repvgg/core/graph/train-model';
import { InMemoryTransport, RingCollective } from '@repvgg/collective';
import { jobRecordSchema, jobViewSchema, type JobView } from '@repvgg/contracts';
import {
  applyGradients,
  BatchLoader,
  bnSpatialSizes,
  computeReplicaGradients,
  flattenPacket,
  learningRate,
  loadCheckpoint,
  microBatchRequests,
  openDataset,
  packetLayout,
  SmallImageTransform,
  TrainState,
  unflattenPacket,
  uploadParams,
} from '@repvgg/training';
import { body, startHarness, TOKEN, until, type Harness } from '../coordinator/coordinator.harness';
import { writeTinyIdx } from '../training/tiny-idx.fixture';

const ROOT = join(__dirname, '..', '..');
const auth = { Authorization: `Bearer ${TOKEN}` };
const SPEC = {
  architecture: { numBlocks: [1, 1, 1, 1], widthMultiplier: [0.125, 0.125, 0.125, 0.125] },
  imageSize: 8,
  epochs: 2,
  globalBatch: 8,
  virtualReplicas: 4,
  optimizer: { lr: 0.05 },
  seed: 7,
  mode: 'deterministic',
  workers: { min: 2, max: 2 },
  shardSteps: 3,
} as const;

const tinyArch = (numClasses: number): ArchSpec => ({
  name: 'custom',
  ...SPEC.architecture,
  overrideGroupsMap: {},
  numClasses,
});

let h: Harness;
const workers: ChildProcess[] = [];
let dataDir = '';

const view = async (id: string): Promise<JobView> =>
  body(jobViewSchema, await request(h.url()).get(`/v1/jobs/${id}`).set(auth).expect(200));

const startWorkerProcess = (): ChildProcess => {
  const child = spawn(
    process.execPath,
    [
      join(ROOT, 'bin', 'repvgg.js'),
      '--backend',
      'cpu',
      'worker',
      '--coordinator',
      `127.0.0.1:${h.coordinator.grpcPort}`,
    ],
    { stdio: ['ignore', 'inherit', 'inherit'] },
  );
  workers.push(child);
  return child;
};

const exited = (child: ChildProcess): Promise<number | null> =>
  child.exitCode !== null
    ? Promise.resolve(child.exitCode)
    : new Promise((resolve) => {
        child.once('exit', (code) => {
          resolve(code);
        });
      });

/**
 * The same steps in one process with libs/training and a one-member deterministic ring: every
 * replica of every step computed here, summed exactly, applied with the same schedule.
 */
async function singleProcessWeights(): Promise<StateDict> {
  await initBackend('cpu', { log: () => undefined });
  const source = await openDataset({ data: dataDir });
  const arch = expandArch(tinyArch(source.numClasses));
  const weights = initStateDict(arch, SPEC.seed);
  const model = TrainModel.fromStateDict(arch, weights);
  const state = TrainState.create(model, weights, {
    momentum: 0.9,
    weightDecay: 1e-4,
    nesterov: false,
  });
  // The worker's IDX augmentation: the Fashion-MNIST preset's pad 2 at 28 px scaled to 8 px, flip 0.5.
  const transform = new SmallImageTransform({
    size: SPEC.imageSize,
    channels: 3,
    stats: source.stats ?? { mean: [0], std: [1] },
    padding: 1,
    flipProbability: 0.5,
    augment: true,
  });
  const loader = new BatchLoader({
    split: source.train,
    transform,
    seed: SPEC.seed,
    globalBatch: SPEC.globalBatch,
    replicas: SPEC.virtualReplicas,
  });
  const steps = loader.stepsPerEpoch;
  const schedule = { baseLr: SPEC.optimizer.lr, totalSteps: SPEC.epochs * steps, warmupSteps: 0 };
  const geometry = {
    globalBatch: SPEC.globalBatch,
    labelSmoothing: 0,
    bnSpatial: bnSpatialSizes(arch, SPEC.imageSize, SPEC.imageSize),
  };
  const [transport] = InMemoryTransport.ring(1);
  const ring = new RingCollective(transport, { mode: 'deterministic' });
  const lanes = Array.from({ length: SPEC.virtualReplicas }, (_, v) => v);
  for (let epoch = 0; epoch < SPEC.epochs; epoch++) {
    const batches = loader.load(microBatchRequests(epoch, 0, steps, lanes));
    for (let step = 0; step < steps; step++) {
      uploadParams(model, state.params);
      const packets = [];
      for (const _ of lanes) {
        const mb = (await batches.next()).value;
        if (mb === undefined) throw new Error('loader ended early');
        packets.push(
          computeReplicaGradients(
            model,
            { images: mb.images, labels: mb.labels, shape: [mb.count, 8, 8, 3] },
            geometry,
          ),
        );
      }
      const layout = packetLayout(packets[0]);
      const summed = await ring.allReduceContributions(
        epoch * steps + step,
        packets.map((p) => flattenPacket(p, layout)),
      );
      applyGradients(state, unflattenPacket(summed, layout), {
        lr: learningRate(schedule, state.step),
      });
    }
  }
  await ring.close();
  const sd = state.toStateDict(model);
  model.dispose();
  return sd;
}

beforeAll(async () => {
  if (!existsSync(join(ROOT, 'dist', 'apps', 'worker', 'src', 'index.js'))) {
    throw new Error('the worker processes run the build: run `npm run build` first');
  }
  h = await startHarness();
  dataDir = join(h.dataRoot, 'tiny');
  mkdirSync(dataDir);
  await writeTinyIdx(dataDir, { train: 64, test: 16, size: 8, classes: 3, seed: 5 });
});

afterAll(async () => {
  for (const w of workers) if (w.exitCode === null) w.kill('SIGKILL');
  await h.close();
});

describe('distributed training with real worker processes', () => {
  it('trains a job on two workers to the same weights as one process, then drains them', async () => {
    const a = startWorkerProcess();
    const b = startWorkerProcess();
    await until(
      async () =>
        ((await request(h.url()).get('/v1/workers').set(auth).expect(200)).body as unknown[])
          .length === 2,
      'two registered workers',
      30_000,
    );
    const created = await request(h.url())
      .post('/v1/jobs')
      .set(auth)
      .send({ ...SPEC, dataset: { source: 'idx', path: dataDir } })
      .expect(201);
    const id = body(jobRecordSchema, created).id;
    await until(async () => (await view(id)).state === 'succeeded', 'success', 60_000);

    const done = await view(id);
    expect(done.progress).toMatchObject({ epoch: 2, completedSteps: 16, totalSteps: 16 });
    expect(done.epochResults.map((e) => e.epoch)).toEqual([0, 1]);
    expect(new Set(done.workerHistory.map((g) => g.workers))).toEqual(new Set([2]));

    const jobDir = join(h.artifacts, 'jobs', id);
    const report = JSON.parse(readFileSync(join(jobDir, 'bundle', 'report.json'), 'utf8')) as {
      equivalence: { pass: boolean };
      files: Record<string, { sha256: string }>;
    };
    expect(report.equivalence.pass).toBe(true);
    expect(Object.keys(report.files).length).toBeGreaterThanOrEqual(3);
    for (const [name, entry] of Object.entries(report.files)) {
      const digest = createHash('sha256')
        .update(readFileSync(join(jobDir, 'bundle', name)))
        .digest('hex');
      expect(digest, name).toBe(entry.sha256);
    }

    // Drained before the reference run, which would block this process's coordinator for seconds.
    a.kill('SIGTERM');
    b.kill('SIGTERM');
    expect(await exited(a)).toBe(0);
    expect(await exited(b)).toBe(0);
    await until(
      async () =>
        ((await request(h.url()).get('/v1/workers').set(auth).expect(200)).body as unknown[])
          .length === 0,
      'the drained workers leaving',
    );

    const trained = (await loadCheckpoint(join(jobDir, 'final-checkpoint'))).weights;
    const reference = await singleProcessWeights();
    expect([...trained.keys()].sort()).toEqual([...reference.keys()].sort());
    for (const [key, ref] of reference) {
      const got = trained.get(key);
      expect(got?.shape, key).toEqual(ref.shape);
      // Deterministic mode: bit-identical, however the replicas were spread over the workers.
      expect(
        Buffer.from(got!.data.buffer, got!.data.byteOffset, got!.data.byteLength).equals(
          Buffer.from(ref.data.buffer, ref.data.byteOffset, ref.data.byteLength),
        ),
        key,
      ).toBe(true);
    }
    // And training moved the weights: the comparison is not between two untouched inits.
    const init = initStateDict(expandArch(tinyArch(3)), SPEC.seed);
    const key = [...init.keys()].find((k) => k.endsWith('.weight'))!;
    expect(trained.get(key)!.data).not.toEqual(init.get(key)!.data);
  });
});
