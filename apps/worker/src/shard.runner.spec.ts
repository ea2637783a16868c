import { describe, expect, it, vi } from 'vitest';
import type {
  BucketPlan,
  GradientPacket,
  MicroBatch,
  MicroBatchRequest,
  PartSink,
  TrainState,
} from '@repvgg/training';
import { runShard, type ShardRun } from './shard.runner';

// The arithmetic of a step (the update, the schedule) is tested in libs/training; here only the
// order of a shard's steps and their commits matters, so the update just counts applied steps
// (vi.mock is hoisted above the imports).
vi.mock('@repvgg/training', async (importOriginal) => {
  const real = await importOriginal<typeof import('@repvgg/training')>();
  return {
    ...real,
    applyGradients: (state: { step: number }) => {
      state.step += 1;
    },
    learningRate: () => 0.1,
  };
});

const COMPUTE_MS = 60;
const REPORT_MS = 60;

interface Trace {
  readonly events: string[];
  readonly reduced: number[];
}

function packet(): GradientPacket {
  return {
    grads: new Map([['w', Float32Array.of(1, 2)]]),
    bnMean: new Map(),
    bnVar: new Map(),
    replicas: 1,
    samples: 2,
    lossSum: 1,
    correct: 1,
  };
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * This member is a follower: the leader (another member) adds `ballot(s)` (its answer for step
 * s - 1, true: 1) into step s's all-reduce, or broadcasts it after the shard's last step.
 */
interface Follower {
  readonly ballot: (globalStep: number) => boolean;
}

/** A fast-mode job's replicas streaming their packets in parts, as lanes do (`computeStream`). */
interface Streaming {
  /** Runs between offering part `part` of `step` and the next part (default: nothing). */
  readonly between?: (step: number, part: number) => Promise<void>;
}

/**
 * One member (world size 1, the leader) on a shard of `steps` steps; `answer(step)` is the
 * coordinator's ReportStep reply after REPORT_MS (or its failure). With `streaming` the job is in
 * fast mode and its packets are all-reduced in parts while they are computed.
 */
function shardRun(
  steps: number,
  answer: (step: number) => boolean | Error,
  streaming?: Streaming,
  follower?: Follower,
): {
  run: ShardRun;
  state: TrainState;
  trace: Trace;
} {
  const trace: Trace = { events: [], reduced: [] };
  const state = {
    step: 0,
    params: new Map([['w', new Float32Array(2)]]),
    running: new Map(),
  } as unknown as TrainState;
  const ctx = {
    sampleShape: [1, 1, 1],
    schedule: {},
    spec: {
      checkpointEvery: 1_000,
      mode: streaming === undefined ? 'deterministic' : 'fast',
      overlap: true,
    },
    applied: undefined,
    totalsOf: () => ({ lossSum: 0, correct: 0, samples: 0, stepSeconds: 0, lr: 0 }),
    loader: {
      load: async function* (requests: readonly MicroBatchRequest[]): AsyncGenerator<MicroBatch> {
        for (const r of requests) {
          await Promise.resolve();
          yield {
            ...r,
            images: new Float32Array(2),
            labels: new Int32Array(2),
            count: 2,
            indices: Uint32Array.of(2 * r.step, 2 * r.step + 1),
          };
        }
      },
    },
    replicas: {
      computeEach: async (_params: unknown, micro: readonly unknown[]) => {
        const step = state.step;
        trace.events.push(`compute ${step} start`);
        await sleep(COMPUTE_MS);
        trace.events.push(`compute ${step} end`);
        return micro.map(() => packet());
      },
      computeStream: async (
        _params: unknown,
        micro: readonly unknown[],
        plan: BucketPlan,
        onPart: PartSink,
      ) => {
        const step = state.step;
        trace.events.push(`compute ${step} start`);
        const p = packet();
        const parts = [
          Float32Array.of(p.replicas, p.samples, p.lossSum, p.correct),
          ...plan.buckets.map((b) => new Float32Array(b.length).fill(1)),
        ];
        for (let part = 0; part < parts.length; part++) {
          micro.forEach((_, replica) => {
            onPart(replica, part, parts[part]);
          });
          await streaming?.between?.(step, part);
        }
        await sleep(COMPUTE_MS);
        trace.events.push(`compute ${step} end`);
      },
    },
  };
  const ring = {
    worldSize: 1,
    allReduceContributions: (globalStep: number, flats: Float32Array[]) => {
      trace.events.push(`reduce ${globalStep}`);
      trace.reduced.push(globalStep);
      const sum = flats[0].slice();
      // the leader's ballot for the step before, added into the sum's last value
      if (follower !== undefined) sum[sum.length - 1] += follower.ballot(globalStep) ? 1 : 0;
      return Promise.resolve(sum);
    },
    broadcast: (step: number, _call: number, value: Uint8Array | undefined) => {
      trace.events.push(`broadcast ${step}`);
      return Promise.resolve(value ?? Uint8Array.of(follower?.ballot(step + 1) === false ? 0 : 1));
    },
    observeStepTime: () => undefined,
  };
  const client = {
    reportStep: async (r: { step: number }) => {
      trace.events.push(`report ${r.step} sent`);
      await sleep(REPORT_MS);
      trace.events.push(`report ${r.step} answered`);
      const a = answer(r.step);
      if (a instanceof Error) throw a;
      return a;
    },
  };
  const run = {
    ctx,
    ring,
    client,
    workerId: 'w0',
    log: () => undefined,
    assignment: {
      jobId: 'j',
      generation: 1,
      rank: 0,
      leaderId: follower === undefined ? 'w0' : 'w1',
      members: [{ rank: 0, replicas: [0] }],
    },
    shard: { epoch: 0, shard: 0, resumeStep: 0, endStep: steps, stepsPerEpoch: 100 },
  } as unknown as ShardRun;
  return { run, state, trace };
}

/** The steps all-reduced, each once however many parts it was reduced in. */
const reducedSteps = (trace: Trace): number[] => [...new Set(trace.reduced)];

describe.each([
  ['whole packets', undefined],
  ['packets streamed in parts', {}],
])('runShard (%s)', (_name, streaming: Streaming | undefined) => {
  it("computes step s + 1 while the leader's ReportStep of step s is in flight", async () => {
    const { run, state, trace } = shardRun(4, () => true, streaming);
    await runShard(run, state);
    expect(state.step).toBe(4);
    expect(reducedSteps(trace)).toEqual([0, 1, 2, 3]);
    // step s + 1's compute starts before step s's report is answered (sequentially it would follow it)
    for (let s = 0; s < 3; s++) {
      expect(trace.events.indexOf(`compute ${s + 1} start`)).toBeLessThan(
        trace.events.indexOf(`report ${s} answered`),
      );
    }
    // and the shard ends only once its last step is committed and the answer broadcast
    expect(trace.events.slice(-2)).toEqual(['report 3 answered', 'broadcast 3']);
  });

  it('applies no step after the coordinator halts: the computed next step is discarded', async () => {
    const { run, state, trace } = shardRun(6, (step) => step < 2, streaming);
    await runShard(run, state);
    // steps 0, 1, 2 were applied and reported; the halt after 2 stops step 3: whole packets carry
    // the halt in step 3's all-reduce (then discard its sum), streamed parts stop before it
    expect(state.step).toBe(3);
    expect(reducedSteps(trace)).toEqual(streaming === undefined ? [0, 1, 2, 3] : [0, 1, 2]);
    expect(trace.events.filter((e) => e.endsWith('sent'))).toEqual([
      'report 0 sent',
      'report 1 sent',
      'report 2 sent',
    ]);
  });

  it('fails the shard with the commit error, without applying the step computed meanwhile', async () => {
    const lost = new Error('coordinator unreachable');
    const { run, state, trace } = shardRun(6, (step) => (step === 1 ? lost : true), streaming);
    await expect(runShard(run, state)).rejects.toBe(lost);
    expect(state.step).toBe(2);
    expect(reducedSteps(trace)).toEqual([0, 1]);
  });
});

describe('runShard, packets streamed in parts', () => {
  it("all-reduces a step's parts while later parts are still being computed", async () => {
    // Part 1 of a step is offered only once part 0 of that step has reached the ring: without the
    // overlap the step would never finish.
    const reachedRing = new Map<number, () => void>();
    const { run, state, trace } = shardRun(2, () => true, {
      between: (step, part) =>
        part === 0
          ? new Promise<void>((resolve) => reachedRing.set(step, resolve))
          : Promise.resolve(),
    });
    const ring = run.ring as unknown as {
      allReduceContributions: (step: number, flats: Float32Array[]) => Promise<Float32Array>;
    };
    const reduce = ring.allReduceContributions;
    ring.allReduceContributions = (step, flats) => {
      reachedRing.get(step)?.();
      return reduce(step, flats);
    };
    await runShard(run, state);
    expect(state.step).toBe(2);
    // step 1's first part is reduced after step 0's commit and before step 1's compute ends
    const at = (e: string): number => trace.events.indexOf(e);
    const firstReduce1 = trace.events.findIndex((e) => e === 'reduce 1');
    expect(firstReduce1).toBeGreaterThan(at('report 0 answered'));
    expect(firstReduce1).toBeLessThan(at('compute 1 end'));
  });
});

describe('runShard, a follower of whole packets', () => {
  it("learns the leader's answer from the next step's all-reduce, not from a message", async () => {
    const { run, state, trace } = shardRun(
      4,
      () => new Error('a follower reports nothing'),
      undefined,
      {
        ballot: () => true,
      },
    );
    await runShard(run, state);
    expect(state.step).toBe(4);
    expect(reducedSteps(trace)).toEqual([0, 1, 2, 3]);
    // one broadcast, after the shard's last step, which no all-reduce follows
    expect(trace.events.filter((e) => e.startsWith('broadcast'))).toEqual(['broadcast 3']);
    expect(trace.events.some((e) => e.startsWith('report'))).toBe(false);
  });

  it('discards the step whose all-reduce carries a halt, and stops', async () => {
    // the leader halts after step 1: step 2's sum carries 0 in its last value
    const { run, state, trace } = shardRun(
      6,
      () => new Error('a follower reports nothing'),
      undefined,
      {
        ballot: (step) => step < 2,
      },
    );
    await runShard(run, state);
    expect(state.step).toBe(2);
    expect(reducedSteps(trace)).toEqual([0, 1, 2]);
    expect(trace.events.some((e) => e.startsWith('broadcast'))).toBe(false);
  });
});
