import type { RingCollective } from '@repvgg/collective';
import type { Assignment__Output, ShardWork__Output } from '@repvgg/contracts';
import {
  addFlattened,
  applyGradients,
  digestSamples,
  flatLength,
  flattenPacket,
  learningRate,
  microBatchRequests,
  packetFromParts,
  packetLayout,
  packetViews,
  partCount,
  PartReduction,
  planBuckets,
  unflattenPacket,
  type BucketPlan,
  type GradientPacket,
  type MicroBatch,
  type ReplicaBatch,
  type TrainState,
} from '@repvgg/training';
import type { AppliedStep, JobContext } from './job-context';
import type { JobLog, JobLogWhere } from './job-log';
import type { RendezvousClient } from './rendezvous.client';
import { writeJobCheckpoint } from './job-checkpoint';
import { gatherStepDigest } from './step-digest';
import { supersededBy } from './generation-superseded';
import { secondsSince } from './step-split';
import type { WorkerMetrics } from './worker.metrics';
import { NoReplicasError, StateUnavailableError } from './worker.error';

export interface ShardRun {
  readonly ctx: JobContext;
  readonly ring: RingCollective;
  readonly assignment: Assignment__Output;
  readonly shard: ShardWork__Output;
  readonly workerId: string;
  readonly client: RendezvousClient;
  readonly log: JobLog;
  /**
   * Aborted when the coordinator forms a newer generation (a member was lost): the step in compute
   * is abandoned at once instead of being finished for an all-reduce that can no longer complete.
   */
  readonly superseded?: AbortSignal;
  readonly metrics?: WorkerMetrics;
}

/** The value after a whole packet that carries the leader's answer for the step before it. */
const PROCEED_SLOT = 1;
const PROCEED = Uint8Array.of(1);
const HALT = Uint8Array.of(0);

/**
 * Runs the shard's steps from `resume_step` on the ring: this member's replicas' packets, their
 * all-reduce, the same update everywhere. The leader reports each applied step, and every member
 * learns the coordinator's answer, so every member stops after the same step. That commit of step s
 * runs while step s + 1 loads and computes; step s + 1 is applied only once the answer is known (a
 * halt discards its gradients), so a state is never more than one step ahead of the committed ones.
 * With whole packets the answer rides in step s + 1's own all-reduce (one more value, `PROCEED_SLOT`:
 * the leader adds 1 to go on, 0 to stop), so no message of its own crosses the ring; the shard's
 * last step, which no all-reduce follows, and the streamed parts (reduced from the first bucket on,
 * before the answer can be known) broadcast it. A state one step ahead (its leader was lost before
 * `ReportStep`) commits that step from its record instead of running it again.
 */
export async function runShard(run: ShardRun, state: TrainState): Promise<void> {
  const { ctx, ring, assignment: a, shard: s } = run;
  const lanes = a.members.find((m) => m.rank === a.rank)?.replicas ?? [];
  if (lanes.length === 0) throw new NoReplicasError(a.rank, a.generation);
  const expected = s.epoch * s.stepsPerEpoch + s.resumeStep;
  let first = s.resumeStep;
  if (state.step === expected + 1 && s.resumeStep < s.endStep) {
    const applied = ctx.applied;
    if (applied?.globalStep !== expected) {
      throw new StateUnavailableError(expected, 'the state is one step ahead without its record');
    }
    if (!(await commitStep(run, applied))) return;
    first += 1;
  }
  const batches = ctx.loader.load(microBatchRequests(s.epoch, first, s.endStep, lanes));
  // The job's spec decides, so every member splits a step into the same all-reduce calls.
  const plan = ctx.spec.overlap && ctx.spec.mode === 'fast' ? stepPlan(state) : undefined;
  // What one step's all-reduce carries, for the metrics: the same every step.
  let packetBytes: number | undefined;
  const superseded = supersededBy(run.superseded);
  // The previous step's commit, in flight while this step loads and computes. Whole packets: the
  // leader's answer (a follower's is always true: it learns the answer from the sum). Streamed
  // parts: the answer every member agreed on.
  let previous: Promise<boolean> | undefined;
  const leader = isLeader(run);
  try {
    for (let step = first; step < s.endStep; step++) {
      const started = performance.now();
      const globalStep = s.epoch * s.stepsPerEpoch + step;
      const { micro, consumed } = await nextMicroBatches(run, batches, lanes.length, step);
      const dataWaitSeconds = secondsSince(started);
      const computeStart = performance.now();
      // The audit's digest travels while the replicas compute, so it adds no time to the step, and
      // a peer that dies meanwhile fails it at once: the generation ends without waiting for this
      // compute (the lane finishes it unobserved while the next generation forms).
      const digest = gatherStepDigest(ring, globalStep, a.rank, digestSamples(consumed));
      // on the compute threads: heartbeats, the Watch stream and peers' gRPC keep being served
      const { computing, reduction } = startCompute(run, plan, globalStep, state, micro);
      computing.catch(() => undefined);
      // Nothing of this step reaches the ring before the previous one is committed (exactly once).
      if (reduction !== undefined) {
        (previous ?? Promise.resolve(true)).then(
          (ok) => {
            if (ok) reduction.start();
          },
          () => undefined,
        );
      }
      digest.catch(() => undefined);
      // A newer generation or a failed commit ends the step at once, not after its compute.
      const interrupted = Promise.race([superseded, failureOf(previous)]);
      interrupted.catch(() => undefined);
      const [packets, samplesDigest] = await Promise.race([
        Promise.all([computing, digest]),
        interrupted,
      ]);
      const computeSeconds = secondsSince(computeStart);
      // What of the previous step's commit its compute did not hide.
      const commitStart = performance.now();
      const proceed = previous === undefined || (await Promise.race([previous, superseded]));
      const commitSeconds = previous === undefined ? 0 : secondsSince(commitStart);
      previous = undefined;
      // Whole packets: a halt still all-reduces this step, whose sum tells the followers.
      if (!proceed && plan !== undefined) return;
      // With the overlap, what of the all-reduce the compute did not hide.
      const reduceStart = performance.now();
      let summed: GradientPacket;
      if (reduction === undefined || plan === undefined) {
        const ballot = leader && proceed ? 1 : 0;
        const whole = await reduceWhole(ring, globalStep, packets ?? [], ctx.spec.mode, ballot);
        if (!whole.proceed) {
          logHalt(run, s.epoch, step - 1);
          return;
        }
        summed = whole.packet;
      } else {
        summed = packetFromParts(plan, await reduction.done);
      }
      const reduceSeconds = secondsSince(reduceStart);
      const applyStart = performance.now();
      const packet = summed;
      const lr = learningRate(ctx.schedule, state.step);
      applyGradients(state, packet, { lr });
      const applySeconds = secondsSince(applyStart);
      const seconds = secondsSince(started);
      const totals = ctx.totalsOf(s.epoch);
      totals.lossSum += packet.lossSum;
      totals.correct += packet.correct;
      totals.samples += packet.samples;
      totals.stepSeconds += seconds;
      totals.lr = lr;
      ctx.applied = {
        globalStep,
        epoch: s.epoch,
        step,
        loss: packet.lossSum / packet.samples,
        lr,
        images: packet.samples,
        seconds,
        allreduceSeconds: reduceSeconds,
        samplesDigest,
        dataWaitSeconds,
        computeSeconds,
        applySeconds,
        commitSeconds,
      };
      previous =
        plan === undefined ? reportApplied(run, ctx.applied) : commitStep(run, ctx.applied);
      previous.catch(() => undefined);
      packetBytes ??= 4 * flatLength(packetLayout(packet));
      run.metrics?.observeStep(ctx.applied, seconds, packetBytes);
      ring.observeStepTime(performance.now() - started);
    }
    if (previous !== undefined) {
      const last = ctx.applied;
      const agreed =
        plan === undefined && last !== undefined
          ? previous.then((answer) => announce(run, last, answer))
          : previous;
      await Promise.race([agreed, superseded]);
    }
  } finally {
    await batches.return();
  }
}

/**
 * The bucket plan of this job's packets (the same on every member: it follows the architecture),
 * from the trainable tensors in forward order and the BatchNorms.
 */
function stepPlan(state: TrainState): BucketPlan {
  return planBuckets(
    [...state.params].map(([key, v]) => [key, v.length] as const),
    [...state.running].map(([key, r]) => [key, r.mean.length] as const),
  );
}

/**
 * Starts the replicas' compute: with a plan, streamed in parts that `reduction` all-reduces as they
 * arrive (once started); without, whole packets.
 */
function startCompute(
  run: ShardRun,
  plan: BucketPlan | undefined,
  globalStep: number,
  state: TrainState,
  micro: readonly ReplicaBatch[],
): { computing: Promise<GradientPacket[] | undefined>; reduction?: PartReduction } {
  const { ctx, ring } = run;
  if (plan === undefined) return { computing: ctx.replicas.computeEach(state.params, micro) };
  const reduction = new PartReduction(partCount(plan), micro.length, (_, contributions) =>
    ring.allReduceContributions(globalStep, contributions),
  );
  const computing = ctx.replicas
    .computeStream(state.params, micro, plan, (replica, part, data) => {
      reduction.offer(replica, part, data);
    })
    .then(() => undefined);
  return { computing, reduction };
}

/** A whole-packet all-reduce's sum and the leader's answer for the step before it. */
interface WholeSum {
  readonly packet: GradientPacket;
  /** Whether the step before this one was committed: apply this one; false: discard it, stop. */
  readonly proceed: boolean;
}

/**
 * The packets' sum over every member, flattened into one all-reduce with the leader's answer for
 * the previous step in one more value at the end (`PROCEED_SLOT`: every other member adds 0). Fast
 * mode sums in place in the collective's reduce buffer and hands back views into it (valid until
 * the next step's all-reduce): no array is allocated per step, so the main thread's garbage
 * collector stays idle (docs/training.md). Deterministic mode sums per-replica contributions in
 * fixed point; the ballot (0 or 1) leaves its per-call exponent, and so the sum's bits, as they were:
 * every packet already holds its replica count (1) and sample count (at least 1).
 */
async function reduceWhole(
  ring: RingCollective,
  globalStep: number,
  packets: readonly GradientPacket[],
  mode: 'fast' | 'deterministic',
  ballot: 0 | 1,
): Promise<WholeSum> {
  const layout = packetLayout(packets[0]);
  const length = flatLength(layout);
  if (mode === 'fast') {
    const buffer = ring.reduceBuffer(length + PROCEED_SLOT);
    const flat = flattenPacket(packets[0], layout, buffer.subarray(0, length));
    for (const p of packets.slice(1)) addFlattened(flat, p, layout);
    buffer[length] = ballot;
    await ring.allReduce(globalStep, buffer);
    return { packet: packetViews(flat, layout), proceed: buffer[length] === 1 };
  }
  const summed = await ring.allReduceContributions(
    globalStep,
    packets.map((p, k) => {
      const flat = new Float32Array(length + PROCEED_SLOT);
      flattenPacket(p, layout, flat.subarray(0, length));
      flat[length] = k === 0 ? ballot : 0;
      return flat;
    }),
  );
  return {
    packet: unflattenPacket(summed.subarray(0, length), layout),
    proceed: summed[length] === 1,
  };
}

/** The micro-batches of this member's replicas at `step` and the dataset indices they consume. */
async function nextMicroBatches(
  run: ShardRun,
  batches: AsyncGenerator<MicroBatch>,
  replicas: number,
  step: number,
): Promise<{ micro: ReplicaBatch[]; consumed: number[] }> {
  const micro: ReplicaBatch[] = [];
  const consumed: number[] = [];
  for (let k = 0; k < replicas; k++) {
    const next = await batches.next();
    if (next.done === true) throw new RangeError(`the loader ended before step ${step}`);
    const mb = next.value;
    micro.push({ images: mb.images, labels: mb.labels, shape: [mb.count, ...run.ctx.sampleShape] });
    consumed.push(...mb.indices);
  }
  return { micro, consumed };
}

/** Rejects when `commit` does, never settles otherwise (nothing to wait for: never settles). */
function failureOf(commit: Promise<boolean> | undefined): Promise<never> {
  return new Promise<never>((_, reject) => {
    commit?.catch(reject);
  });
}

/**
 * The leader reports an applied step (with the shard's checkpoint when one is due after it) and
 * broadcasts the coordinator's answer; false: every member stops here.
 */
async function commitStep(run: ShardRun, applied: AppliedStep): Promise<boolean> {
  return announce(run, applied, await reportApplied(run, applied));
}

/**
 * The leader's `ReportStep` of an applied step (with the shard's checkpoint when one is due after
 * it): the coordinator's answer, true to go on. A follower reports nothing and answers true.
 */
async function reportApplied(run: ShardRun, applied: AppliedStep): Promise<boolean> {
  const { ctx, assignment: a, shard: s } = run;
  if (!isLeader(run)) return true;
  const checkpoint = checkpointDue(ctx, s, applied.step)
    ? await writeJobCheckpoint(ctx, a, s.epoch, applied.step + 1)
    : '';
  const proceed = await run.client.reportStep({
    workerId: run.workerId,
    jobId: a.jobId,
    generation: a.generation,
    epoch: applied.epoch,
    step: applied.step,
    loss: applied.loss,
    lr: applied.lr,
    images: applied.images,
    seconds: applied.seconds,
    allreduceSeconds: applied.allreduceSeconds,
    checkpoint,
    samplesDigest: applied.samplesDigest,
    dataWaitSeconds: applied.dataWaitSeconds,
    computeSeconds: applied.computeSeconds,
    applySeconds: applied.applySeconds,
    commitSeconds: applied.commitSeconds,
  });
  if (checkpoint !== '') {
    run.log(
      'info',
      `epoch ${applied.epoch}: checkpoint ${checkpoint} written`,
      where(run, applied.step),
    );
  }
  return proceed;
}

/** The leader broadcasts its answer for `applied`; every member gets it (false: stop here). */
async function announce(run: ShardRun, applied: AppliedStep, answer: boolean): Promise<boolean> {
  const flag = await run.ring.broadcast(
    applied.globalStep,
    0,
    isLeader(run) ? (answer ? PROCEED : HALT) : undefined,
  );
  if (flag[0] === 1) return true;
  logHalt(run, applied.epoch, applied.step);
  return false;
}

function isLeader(run: ShardRun): boolean {
  return run.assignment.leaderId === run.workerId;
}

function logHalt(run: ShardRun, epoch: number, step: number): void {
  run.log(
    'info',
    `epoch ${epoch}: stopping after this step, as the coordinator asked`,
    where(run, step),
  );
}

function where(run: ShardRun, step: number): JobLogWhere {
  const a = run.assignment;
  return { jobId: a.jobId, generation: a.generation, rank: a.rank, step };
}

/**
 * At the shard's last step every `checkpointEvery` shards, and always at the epoch's last step: the
 * validation checkpoints the epoch again (with its metrics), but until it has, this is the only
 * copy of the epoch's final state should every worker die (docs/reliability.md).
 */
function checkpointDue(ctx: JobContext, s: ShardWork__Output, step: number): boolean {
  if (step + 1 !== s.endStep) return false;
  return s.endStep >= s.stepsPerEpoch || (s.shard + 1) % ctx.spec.checkpointEvery === 0;
}
