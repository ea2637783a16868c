import { describe, it, expect, beforeAll, afterAll, afterEach } from 'vitest';
import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import request from 'supertest';
import { z } from 'zod';
import { stepMetricsSchema, type JobView } from '@repvgg/contracts';
import { loadCheckpoint } from '@repvgg/training';
import { AUTH, body, until, viewJob, type Harness } from '../coordinator/coordinator.harness';
import { RendezvousService } from '../../apps/coordinator/src/rendezvous/rendezvous.service';
import { bitIdentical, singleProcessWeights, type TinySpec } from './reference-run';
import {
  createIdxJob,
  exited,
  killAll,
  listWorkers,
  spawnWorker,
  startWorkerTestbed,
  TINY_JOB,
} from './worker-processes';

// 192 training images at batch 8: 24 steps an epoch, 48 in all, so a kill after step 6 lands mid-job.
const TRAIN_IMAGES = 192;
const STEPS_PER_EPOCH = TRAIN_IMAGES / 8;
const KILL_AFTER = 6;
const TOTAL_STEPS = 2 * STEPS_PER_EPOCH;
const SPEC = {
  ...TINY_JOB,
  epochs: TOTAL_STEPS / STEPS_PER_EPOCH,
  workers: { min: 2, max: 3 },
  shardSteps: 5,
} as const satisfies TinySpec & Record<string, unknown>;

interface WorkerProcess {
  readonly child: ChildProcess;
  /** The id it registered with last (it registers again when the coordinator forgets it). */
  id: string;
}

let h: Harness;
let dataDir = '';
let workers: WorkerProcess[] = [];
let restoreRendezvous = (): void => undefined;
let jobId = '';

const view = (id: string): Promise<JobView> => viewJob(h, id);

const startWorkerProcess = (): WorkerProcess => {
  const child = spawnWorker(h, 'pipe');
  const w: WorkerProcess = { child, id: '' };
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (text: string) => {
    process.stderr.write(text);
    const m = /registered as (\S+)/.exec(text);
    if (m?.[1] !== undefined) w.id = m[1];
  });
  workers.push(w);
  return w;
};

beforeAll(async () => {
  ({ h, dataDir } = await startWorkerTestbed('tiny-failure', TRAIN_IMAGES));
});

afterEach(async () => {
  restoreRendezvous();
  // A job left running would take the next test's workers.
  if (jobId !== '') await request(h.url()).post(`/v1/jobs/${jobId}/cancel`).set(AUTH);
  jobId = '';
  await killAll(workers.map((w) => w.child));
  workers = [];
  await until(async () => (await listWorkers(h)).length === 0, 'the workers leaving', 10_000);
});

afterAll(async () => {
  await h.close();
});

/** Starts three worker processes and a job on them; resolves with the job id. */
async function startJob(): Promise<string> {
  for (let i = 0; i < 3; i++) startWorkerProcess();
  await until(async () => (await listWorkers(h)).length === 3, 'three registered workers', 30_000);
  jobId = await createIdxJob(h, SPEC, dataDir);
  return jobId;
}

const processOf = (workerId: string | undefined): ChildProcess => {
  const w = workers.find((p) => p.id === workerId);
  if (w === undefined) throw new Error(`no worker process registered as ${String(workerId)}`);
  return w.child;
};

/** SIGKILLs the job's member `pick` chooses by rank once `KILL_AFTER` steps are committed. */
async function killOnceCommitted(id: string, pick: (rank: number) => boolean): Promise<number> {
  await until(
    async () => {
      const v = await view(id);
      return v.workers.length === 3 && v.progress.completedSteps >= KILL_AFTER;
    },
    `${KILL_AFTER} steps committed by three workers`,
    30_000,
  );
  const target = (await listWorkers(h)).find((w) => w.jobId === id && pick(w.rank ?? -1));
  processOf(target?.id).kill('SIGKILL');
  return (await view(id)).progress.completedSteps;
}

/**
 * SIGKILLs the leader when its `ReportStep` for global step `at` arrives: every member applied the
 * step (the all-reduce completed), and the coordinator records it (`recorded`) or never hears of it.
 */
function loseLeaderAtReport(at: number, recorded: boolean): void {
  const rendezvous = h.coordinator.app.get(RendezvousService);
  const report = rendezvous.reportStep.bind(rendezvous);
  restoreRendezvous = () => {
    rendezvous.reportStep = report;
    restoreRendezvous = () => undefined;
  };
  let fired = false;
  rendezvous.reportStep = async (req) => {
    if (fired || req.epoch * STEPS_PER_EPOCH + req.step !== at) return report(req);
    fired = true;
    const proceed = recorded ? await report(req) : false;
    const leader = processOf(req.workerId);
    leader.kill('SIGKILL');
    await exited(leader);
    return proceed;
  };
}

/** The job trained every step exactly once, the last generations on two workers, to the reference. */
async function expectCompleteTraining(id: string): Promise<void> {
  await until(async () => (await view(id)).state === 'succeeded', 'success', 60_000);
  const done = await view(id);
  const total = TOTAL_STEPS;
  expect(done.progress).toMatchObject({ epoch: 2, completedSteps: total, totalSteps: total });
  const sizes = done.workerHistory.map((g) => g.workers);
  expect(sizes).toContain(3);
  expect(sizes.at(-1)).toBe(2);

  // Every step recorded exactly once, in order.
  const metrics = body(
    z.object({ steps: z.array(stepMetricsSchema) }),
    await request(h.url()).get(`/v1/jobs/${id}/metrics?steps=1000`).set(AUTH).expect(200),
  );
  expect(metrics.steps.map((m) => m.epoch * STEPS_PER_EPOCH + m.step)).toEqual(
    Array.from({ length: total }, (_, i) => i),
  );

  const trained = (await loadCheckpoint(join(h.artifacts, 'jobs', id, 'final-checkpoint'))).weights;
  const reference = await singleProcessWeights(dataDir, SPEC);
  expect(bitIdentical(trained, reference)).toEqual([]);
}

describe('a worker killed mid-job', () => {
  it('a non-leader: the two survivors finish every step to the reference weights', async () => {
    const id = await startJob();
    expect(await killOnceCommitted(id, (rank) => rank > 0)).toBeLessThan(TOTAL_STEPS / 2);
    await expectCompleteTraining(id);
  });

  it('the leader: a survivor takes over and finishes to the reference weights', async () => {
    const id = await startJob();
    expect(await killOnceCommitted(id, (rank) => rank === 0)).toBeLessThan(TOTAL_STEPS / 2);
    await expectCompleteTraining(id);
  });

  it('the leader after the all-reduce, before ReportStep: the applied step commits once', async () => {
    // Step 9 ends shard 1 (5 steps a shard): the shard completes with the recovered commit alone.
    loseLeaderAtReport(9, false);
    await expectCompleteTraining(await startJob());
  });

  it('the leader after ReportStep, before it told the members: nothing is re-run', async () => {
    loseLeaderAtReport(12, true);
    await expectCompleteTraining(await startJob());
  });
});
