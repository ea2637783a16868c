import { createHash } from 'node:crypto';
import { InMemoryTransport, RingCollective } from '@repvgg/collective';
import { jobSpecSchema } from '@repvgg/contracts';
import type { StateDict } from '@repvgg/core';
import { initBackend } from '@repvgg/core/compute/backend';
import { TrainModel } from '@repvgg/core/graph/train-model';
import { initStateDict } from '@repvgg/core/weights/init';
import {
  applyGradients,
  flattenPacket,
  learningRate,
  microBatchRequests,
  packetLayout,
  TrainState,
  unflattenPacket,
  type ReplicaBatch,
} from '@repvgg/training';
import { recipeFromJobSpec } from '@repvgg/training/setup/job-recipe';
import { jobTraining, openJobData, startComputeLanes } from '@repvgg/training/setup/job-setup';

/** sha256 over the keys (sorted), shapes and float bits of a state dict: equal iff bit-identical. */
export function stateDictSha256(sd: StateDict): string {
  const h = createHash('sha256');
  for (const key of [...sd.keys()].sort()) {
    const t = sd.get(key);
    if (t === undefined) continue;
    h.update(`${key}:${t.shape.join('x')}:`);
    h.update(Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength));
  }
  return h.digest('hex');
}

/**
 * The job `spec` (as submitted) trained by one process that never fails: the workers' job setup
 * chain, every virtual replica on this process' compute lane, summed through a one-member
 * deterministic ring (the exact sum every deterministic ring computes) and applied with the
 * same schedule. Returns the final weights.
 */
export async function oneProcessWeights(spec: unknown): Promise<StateDict> {
  const job = jobSpecSchema.parse(spec);
  await initBackend('cpu', { log: () => undefined });
  const recipe = recipeFromJobSpec(job);
  const data = await openJobData(recipe);
  const training = jobTraining(data, recipe);
  const weights = initStateDict(data.arch, job.seed);
  const pool = await startComputeLanes(data, training, { threads: 1, backend: 'cpu', weights });
  const model = TrainModel.fromStateDict(data.arch, weights);
  const { momentum, weightDecay, nesterov } = job.optimizer;
  const state = TrainState.create(model, weights, { momentum, weightDecay, nesterov });
  const [transport] = InMemoryTransport.ring(1);
  const ring = new RingCollective(transport, { mode: 'deterministic' });
  const lanes = Array.from({ length: job.virtualReplicas }, (_, v) => v);
  const steps = training.stepsPerEpoch;
  const shape = [data.train.height, data.train.width, data.train.channels] as const;
  try {
    for (let epoch = 0; epoch < job.epochs; epoch++) {
      const batches = training.loader.load(microBatchRequests(epoch, 0, steps, lanes));
      for (let step = 0; step < steps; step++) {
        const micro: ReplicaBatch[] = [];
        for (const _ of lanes) {
          const mb = (await batches.next()).value;
          if (mb === undefined) throw new RangeError(`the loader ended before step ${step}`);
          micro.push({ images: mb.images, labels: mb.labels, shape: [mb.count, ...shape] });
        }
        const packets = await pool.computeEach(state.params, micro);
        const layout = packetLayout(packets[0]);
        const summed = await ring.allReduceContributions(
          epoch * steps + step,
          packets.map((p) => flattenPacket(p, layout)),
        );
        applyGradients(state, unflattenPacket(summed, layout), {
          lr: learningRate(training.schedule, state.step),
        });
      }
      await batches.return();
    }
    return state.toStateDict(model);
  } finally {
    await ring.close();
    await pool.close();
    model.dispose();
  }
}
