import type { RingCollective } from '@repvgg/collective';
import type { Assignment__Output, ShardWork__Output } from '@repvgg/contracts';
import {
  applyGradients,
  computeReplicaGradients,
  flattenPacket,
  learningRate,
  microBatchRequests,
  packetLayout,
  unflattenPacket,
  uploadParams,
  type TrainState,
} from '@repvgg/training';
import type { JobContext } from './job-context';
import type { RendezvousClient } from './rendezvous.client';
import { writeJobCheckpoint } from './job-checkpoint';
import { NoReplicasError } from './worker.error';

export interface ShardRun {
  readonly ctx: JobContext;
  readonly ring: RingCollective;
  readonly assignment: Assignment__Output;
  readonly shard: ShardWork__Output;
  readonly workerId: string;
  readonly client: RendezvousClient;
}

const PROCEED = Uint8Array.of(1);
const HALT = Uint8Array.of(0);

/**
 * Runs the shard's steps from `resume_step` on the ring: this member's replicas' packets, their
 * all-reduce, the same update everywhere. The leader reports each committed step and broadcasts the
 * coordinator's answer, so every member stops after the same step.
 */
export async function runShard(run: ShardRun, state: TrainState): Promise<void> {
  const { ctx, ring, assignment: a, shard: s } = run;
  const leader = a.leaderId === run.workerId;
  const lanes = a.members.find((m) => m.rank === a.rank)?.replicas ?? [];
  if (lanes.length === 0) throw new NoReplicasError(a.rank, a.generation);
  const batches = ctx.loader.load(microBatchRequests(s.epoch, s.resumeStep, s.endStep, lanes));
  try {
    for (let step = s.resumeStep; step < s.endStep; step++) {
      const started = performance.now();
      const globalStep = s.epoch * s.stepsPerEpoch + step;
      uploadParams(ctx.model, state.params);
      const packets = [];
      for (let k = 0; k < lanes.length; k++) {
        const next = await batches.next();
        if (next.done === true) throw new RangeError(`the loader ended before step ${step}`);
        const mb = next.value;
        packets.push(
          computeReplicaGradients(
            ctx.model,
            { images: mb.images, labels: mb.labels, shape: [mb.count, ...ctx.sampleShape] },
            ctx.geometry,
          ),
        );
      }
      const layout = packetLayout(packets[0]);
      const reduceStart = performance.now();
      const summed = await ring.allReduceContributions(
        globalStep,
        packets.map((p) => flattenPacket(p, layout)),
      );
      const reduceSeconds = (performance.now() - reduceStart) / 1000;
      const packet = unflattenPacket(summed, layout);
      const lr = learningRate(ctx.schedule, state.step);
      applyGradients(state, packet, { lr });
      const totals = ctx.epochTotals;
      totals.lossSum += packet.lossSum;
      totals.correct += packet.correct;
      totals.samples += packet.samples;
      totals.stepSeconds += (performance.now() - started) / 1000;
      totals.lr = lr;
      let proceed = true;
      if (leader) {
        const checkpoint = checkpointDue(ctx, s, step)
          ? await writeJobCheckpoint(ctx, a, s.epoch, step + 1)
          : '';
        proceed = await run.client.reportStep({
          workerId: run.workerId,
          jobId: a.jobId,
          generation: a.generation,
          epoch: s.epoch,
          step,
          loss: packet.lossSum / packet.samples,
          lr,
          images: packet.samples,
          seconds: (performance.now() - started) / 1000,
          allreduceSeconds: reduceSeconds,
          checkpoint,
        });
      }
      const flag = await ring.broadcast(
        globalStep,
        0,
        leader ? (proceed ? PROCEED : HALT) : undefined,
      );
      ring.observeStepTime(performance.now() - started);
      if (flag[0] !== 1) return;
    }
  } finally {
    await batches.return();
  }
}

/** Every `checkpointEvery` shards, at the shard's last step (epoch ends checkpoint at validation). */
function checkpointDue(ctx: JobContext, s: ShardWork__Output, step: number): boolean {
  return (
    step + 1 === s.endStep &&
    s.endStep < s.stepsPerEpoch &&
    (s.shard + 1) % ctx.spec.checkpointEvery === 0
  );
}
