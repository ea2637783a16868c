import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import type { ChildProcess } from 'node:child_process';
import type { JobView } from '@repvgg/contracts';
import { until, viewJob, type Harness } from '../coordinator/coordinator.harness';
import {
  createIdxJob,
  killAll,
  listWorkers,
  spawnWorker,
  startWorkerTestbed,
  TINY_JOB,
} from './worker-processes';

const SPEC = { ...TINY_JOB, epochs: 1, workers: { min: 2, max: 2 }, shardSteps: 4 } as const;
/** Long enough for the running member to open the job and dial the paused one, well inside the
 * 5 s heartbeat timeout and collective deadline. */
const PAUSE_MS = 1_500;

let h: Harness;
let dataDir = '';
const workers: ChildProcess[] = [];

const view = (id: string): Promise<JobView> => viewJob(h, id);

const registered = async (): Promise<number> => (await listWorkers(h)).length;

beforeAll(async () => {
  ({ h, dataDir } = await startWorkerTestbed('tiny-late', 64));
});

afterAll(async () => {
  await killAll(workers);
  await h.close();
});

describe('a member that enters a generation late', () => {
  it('is waited for: the generation forms once, with both members', async () => {
    const a = spawnWorker(h, 'inherit');
    const b = spawnWorker(h, 'inherit');
    workers.push(a, b);
    await until(async () => (await registered()) === 2, 'two registered workers', 30_000);

    // b gets its assignment but runs only after a has built the generation's ring and pulled from
    // b's Collective server, which then answers for no generation yet: a must retry, not give up.
    b.kill('SIGSTOP');
    const id = await createIdxJob(h, SPEC, dataDir);
    try {
      await until(async () => (await view(id)).workers.length === 2, 'a generation', 30_000);
      await new Promise((r) => setTimeout(r, PAUSE_MS));
    } finally {
      b.kill('SIGCONT');
    }

    await until(async () => (await view(id)).state === 'succeeded', 'success', 60_000);
    const done = await view(id);
    expect(done.progress).toMatchObject({ completedSteps: 8, totalSteps: 8 });
    expect(done.workerHistory).toEqual([{ generation: 1, workers: 2 }]);
  });
});
