import { describe, it, expect } from 'vitest';
import { until } from '../coordinator/coordinator.harness';
import { createIdxJob, listWorkers, TINY_JOB, workerTestbed } from './worker-processes';

const SPEC = { ...TINY_JOB, epochs: 1, workers: { min: 2, max: 2 }, shardSteps: 4 } as const;
/** Long enough for the running member to open the job and dial the paused one, well inside the
 * 5 s heartbeat timeout and collective deadline. */
const PAUSE_MS = 1_500;

const bed = workerTestbed('tiny-late', 64);
const view = bed.view;
const registered = async (): Promise<number> => (await listWorkers(bed.h)).length;

describe('a member that enters a generation late', () => {
  it('is waited for: the generation forms once, with both members', async () => {
    bed.spawn();
    const b = bed.spawn();
    await until(async () => (await registered()) === 2, 'two registered workers', 30_000);

    // b gets its assignment but runs only after a has built the generation's ring and pulled from
    // b's Collective server, which then answers for no generation yet: a must retry, not give up.
    b.kill('SIGSTOP');
    const id = await createIdxJob(bed.h, SPEC, bed.dataDir);
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
