import { describe, it, expect, beforeEach } from 'vitest';
import type { Assignment, StepReport__Output } from '@repvgg/contracts';
import type { Generation } from './generation';
import type { RendezvousJob } from './job-work';
import { RendezvousService } from './rendezvous.service';

const job = (id: string, extra: Partial<RendezvousJob> = {}): RendezvousJob => ({
  id,
  priority: 0,
  createdAt: '2026-01-01T00:00:00.000Z',
  min: 1,
  max: 4,
  virtualReplicas: 4,
  specJson: '{}',
  artifactDir: '/a',
  generation: 0,
  checkpoint: '',
  failureBudget: { maxFailures: 3, noProgressMs: 10_000 },
  ...extra,
});

const SHARD = {
  kind: 'shard',
  epoch: 0,
  shard: 0,
  startStep: 0,
  endStep: 4,
  resumeStep: 0,
  stepsPerEpoch: 8,
} as const;

let r: RendezvousService;
let generations: { jobId: string; g: Generation | null; reason: string }[];
let steps: StepReport__Output[];
let gaveUp: { jobId: string; reason: string }[];
let time: number;

beforeEach(() => {
  generations = [];
  steps = [];
  gaveUp = [];
  time = 1_000;
  r = new RendezvousService(
    { heartbeatMs: 10, heartbeatTimeoutMs: 100, clock: () => time },
    (e) => {
      throw e;
    },
    {
      onStep: (_j, report) => {
        steps.push(report);
        return Promise.resolve();
      },
      onEpoch: () => Promise.resolve(),
      onGeneration: (jobId, g, reason) => {
        generations.push({ jobId, g, reason });
        return Promise.resolve();
      },
      onGiveUp: (jobId, reason) => {
        gaveUp.push({ jobId, reason });
        return Promise.resolve();
      },
    },
  );
});

const join = (name: string): { id: string; inbox: Assignment[] } => {
  const w = r.register({ address: `${name}:1`, backend: 'cpu', capabilities: [] });
  const inbox: Assignment[] = [];
  r.watch(w.id, (a) => inbox.push(a));
  return { id: w.id, inbox };
};

const step = (workerId: string, generation: number, s: number): StepReport__Output => ({
  workerId,
  jobId: 'j',
  generation,
  epoch: 0,
  step: s,
  loss: 1,
  lr: 0.1,
  images: 8,
  seconds: 0.1,
  allreduceSeconds: 0.01,
  dataWaitSeconds: 0,
  computeSeconds: 0.08,
  applySeconds: 0.01,
  commitSeconds: 0,
  samplesDigest: '',
  checkpoint: '',
});

describe('RendezvousService', () => {
  it('forms a generation when a job starts and tells its members', () => {
    const a = join('a');
    expect(a.inbox.at(-1)).toEqual({ jobId: '' });
    r.addJob(job('j'));
    expect(r.generationOf('j')).toMatchObject({ number: 1, leaderId: a.id });
    expect(a.inbox.at(-1)).toMatchObject({ jobId: 'j', generation: 1, rank: 0, leaderId: a.id });
  });

  it('admits a joining worker at the next step boundary, not mid-step', async () => {
    const a = join('a');
    r.addJob(job('j'));
    r.setWork('j', SHARD);
    const b = join('b');
    expect(r.generationOf('j')?.number).toBe(1);
    expect(b.inbox.at(-1)).toEqual({ jobId: '' });
    expect(await r.reportStep(step(a.id, 1, 0))).toBe(false);
    const g = r.generationOf('j')!;
    expect(g.number).toBe(2);
    expect(g.members.map((m) => m.workerId)).toEqual([a.id, b.id]);
    expect(b.inbox.at(-1)).toMatchObject({ generation: 2, shard: { resumeStep: 1 } });
    expect(generations.map((x) => x.reason)).toEqual(['job started', 'worker joined']);
  });

  it('refuses steps from a stale generation or a non-leader', async () => {
    const a = join('a');
    const b = join('b');
    r.addJob(job('j'));
    r.setWork('j', SHARD);
    expect(await r.reportStep(step(b.id, 1, 0))).toBe(false);
    expect(await r.reportStep(step(a.id, 7, 0))).toBe(false);
    expect(await r.reportStep(step(a.id, 1, 0))).toBe(true);
    expect(steps).toHaveLength(1);
  });

  it('re-forms at once when a member misses its heartbeats', () => {
    const a = join('a');
    const b = join('b');
    expect(r.generationOf('j')).toBeNull();
    r.addJob(job('j'));
    r.setWork('j', SHARD);
    time += 80;
    r.heartbeat({ workerId: b.id, jobId: 'j', generation: 1, completedSteps: 3 });
    r.sweep(time);
    expect(r.generationOf('j')?.number).toBe(1);
    time += 40;
    r.sweep(time);
    expect(r.generationOf('j')).toMatchObject({ number: 2, leaderId: b.id });
    expect(r.listWorkers().map((w) => w.id)).not.toContain(a.id);
    expect(generations.at(-1)?.reason).toBe('missed heartbeat');
  });

  it('drops the peer a member reports as failed, and ignores reports of old generations', () => {
    const a = join('a');
    const b = join('b');
    r.addJob(job('j'));
    expect(
      r.reportFailure({
        workerId: a.id,
        jobId: 'j',
        generation: 9,
        failedWorkerId: b.id,
        message: 'x',
      }),
    ).toBe(false);
    expect(
      r.reportFailure({
        workerId: a.id,
        jobId: 'j',
        generation: 1,
        failedWorkerId: b.id,
        message: 'deadline',
      }),
    ).toBe(true);
    expect(r.generationOf('j')?.members.map((m) => m.workerId)).toEqual([a.id]);
    expect(r.heartbeat({ workerId: b.id, jobId: 'j', generation: 1, completedSteps: 0 })).toBe(
      false,
    );
  });

  it('lets a draining worker go at the boundary and tells it to idle', async () => {
    const a = join('a');
    const b = join('b');
    r.addJob(job('j'));
    r.setWork('j', SHARD);
    r.drain(b.id);
    expect(r.generationOf('j')?.members).toHaveLength(2);
    await r.reportStep(step(a.id, 1, 0));
    expect(r.generationOf('j')?.members.map((m) => m.workerId)).toEqual([a.id]);
    expect(b.inbox.at(-1)).toEqual({ jobId: '' });
  });

  it("starts later generations from the leader's checkpoint, inside the job's folder", () => {
    const a = join('a');
    r.addJob(job('j', { checkpoint: '/store/initial' }));
    expect(a.inbox.at(-1)).toMatchObject({ checkpoint: '/store/initial' });
    r.setCheckpoint('j', 'checkpoints/e0-s3');
    join('b');
    expect(a.inbox.at(-1)).toMatchObject({ generation: 2, checkpoint: '/a/checkpoints/e0-s3' });
  });

  it('moves workers to a higher-priority job only when the lower one reaches a boundary', async () => {
    const a = join('a');
    r.addJob(job('low', { max: 1 }));
    r.setWork('low', { ...SHARD });
    r.addJob(job('high', { max: 1, priority: 5 }));
    expect(r.generationOf('high')).toBeNull();
    await r.reportStep({ ...step(a.id, 1, 0), jobId: 'low' });
    expect(r.generationOf('low')).toBeNull();
    expect(r.generationOf('high')?.members.map((m) => m.workerId)).toEqual([a.id]);
    r.removeJob('high');
    expect(r.generationOf('low')?.members.map((m) => m.workerId)).toEqual([a.id]);
  });
  it('gives a job up when its generations keep failing without a committed step', async () => {
    const a = join('a');
    r.addJob(job('j'));
    r.setWork('j', SHARD);
    const fail = (generation: number, message: string): boolean =>
      r.reportFailure({ workerId: a.id, jobId: 'j', generation, failedWorkerId: '', message });
    expect(fail(1, 'cannot decode x.png')).toBe(true);
    await r.reportStep(step(a.id, 2, 0)); // a committed step forgives
    expect(fail(2, 'cannot decode x.png')).toBe(true);
    expect(fail(3, 'cannot decode x.png')).toBe(true);
    expect(gaveUp).toEqual([]);
    expect(fail(4, 'cannot decode x.png')).toBe(true);
    expect(gaveUp).toEqual([
      {
        jobId: 'j',
        reason:
          'cannot decode x.png (3 generations in a row failed without committing a step: failureBudget.maxFailures)',
      },
    ]);
    // no generation after the verdict, and no second verdict
    expect(r.generationOf('j')?.number).toBe(4);
    join('b');
    expect(r.generationOf('j')?.number).toBe(4);
    r.sweep((time += 60_000));
    expect(gaveUp).toHaveLength(1);
  });

  it('gives a job up that holds workers on a shard without committing a step', async () => {
    const a = join('a');
    r.addJob(job('j'));
    r.sweep(time);
    time += 20_000; // no shard yet: the clock does not run
    r.heartbeat({ workerId: a.id, jobId: 'j', generation: 1, completedSteps: 0 });
    r.setWork('j', SHARD);
    r.sweep(time);
    time += 9_000;
    r.heartbeat({ workerId: a.id, jobId: 'j', generation: 1, completedSteps: 0 });
    await r.reportStep(step(a.id, 1, 0));
    r.sweep(time);
    time += 9_000;
    r.heartbeat({ workerId: a.id, jobId: 'j', generation: 1, completedSteps: 1 });
    r.sweep(time);
    expect(gaveUp).toEqual([]);
    time += 2_000;
    r.heartbeat({ workerId: a.id, jobId: 'j', generation: 1, completedSteps: 1 });
    r.sweep(time);
    expect(gaveUp.map((g) => g.reason)).toEqual([
      'no step committed for 10 s while workers trained (failureBudget.noProgressSeconds)',
    ]);
  });
});
