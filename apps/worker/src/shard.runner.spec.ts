import { describe, expect, it, vi } from 'vitest';
import type { GradientPacket, MicroBatch, MicroBatchRequest, TrainState } from '@repvgg/training';
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
 * One member (world size 1, the leader) on a shard of `steps` steps; `answer(step)` is the
 * coordinator's ReportStep reply after REPORT_MS (or its failure).
 */
function shardRun(
  steps: number,
  answer: (step: number) => boolean | Error,
): {
  run: ShardRun;
  state: TrainState;
  trace: Trace;
} {
  const trace: Trace = { events: [], reduced: [] };
  const state = { step: 0, params: new Map() } as unknown as TrainState;
  const ctx = {
    sampleShape: [1, 1, 1],
    schedule: {},
    spec: { checkpointEvery: 1_000 },
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
    },
  };
  const ring = {
    worldSize: 1,
    allReduceContributions: (globalStep: number, flats: Float32Array[]) => {
      trace.reduced.push(globalStep);
      return Promise.resolve(flats[0]);
    },
    broadcast: (_step: number, _call: number, value: Uint8Array | undefined) =>
      Promise.resolve(value ?? Uint8Array.of(1)),
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
      leaderId: 'w0',
      members: [{ rank: 0, replicas: [0] }],
    },
    shard: { epoch: 0, shard: 0, resumeStep: 0, endStep: steps, stepsPerEpoch: 100 },
  } as unknown as ShardRun;
  return { run, state, trace };
}

describe('runShard', () => {
  it("computes step s + 1 while the leader's ReportStep of step s is in flight", async () => {
    const { run, state, trace } = shardRun(4, () => true);
    await runShard(run, state);
    expect(state.step).toBe(4);
    expect(trace.reduced).toEqual([0, 1, 2, 3]);
    // step s + 1's compute starts before step s's report is answered (sequentially it would follow it)
    for (let s = 0; s < 3; s++) {
      expect(trace.events.indexOf(`compute ${s + 1} start`)).toBeLessThan(
        trace.events.indexOf(`report ${s} answered`),
      );
    }
    // and the shard ends only once its last step is committed
    expect(trace.events.at(-1)).toBe('report 3 answered');
  });

  it('applies no step after the coordinator halts: the computed next step is discarded', async () => {
    const { run, state, trace } = shardRun(6, (step) => step < 2);
    await runShard(run, state);
    // steps 0, 1, 2 were applied and reported; the halt after 2 stops step 3 before its all-reduce
    expect(state.step).toBe(3);
    expect(trace.reduced).toEqual([0, 1, 2]);
    expect(trace.events.filter((e) => e.endsWith('sent'))).toEqual([
      'report 0 sent',
      'report 1 sent',
      'report 2 sent',
    ]);
  });

  it('fails the shard with the commit error, without applying the step computed meanwhile', async () => {
    const lost = new Error('coordinator unreachable');
    const { run, state, trace } = shardRun(6, (step) => (step === 1 ? lost : true));
    await expect(runShard(run, state)).rejects.toBe(lost);
    expect(state.step).toBe(2);
    expect(trace.reduced).toEqual([0, 1]);
  });
});
