import { expandArch, initStateDict, type ArchSpec, type StateDict } from '@repvgg/core';
import { initBackend } from '@repvgg/core/compute/backend';
import { TrainModel } from '@repvgg/core/graph/train-model';
import { evaluationModel } from '@repvgg/training/trainer/evaluation-model';
import { InMemoryTransport, RingCollective } from '@repvgg/collective';
import {
  applyGradients,
  BatchLoader,
  bnSpatialSizes,
  computeReplicaGradients,
  DecodeFailures,
  flattenPacket,
  learningRate,
  microBatchRequests,
  openDataset,
  packetLayout,
  SmallImageTransform,
  SplitValSource,
  TrainState,
  unflattenPacket,
  uploadParams,
  validate,
  type ValidationMetrics,
} from '@repvgg/training';

/** The job spec fields the worker e2e tests vary; the rest are the schema's defaults. */
export interface TinySpec {
  readonly architecture: {
    readonly numBlocks: readonly [number, number, number, number];
    readonly widthMultiplier: readonly [number, number, number, number];
  };
  readonly imageSize: number;
  readonly epochs: number;
  readonly globalBatch: number;
  readonly virtualReplicas: number;
  readonly optimizer: { readonly lr: number };
  readonly seed: number;
  readonly mode?: 'deterministic' | 'fast';
}

export const tinyArch = (spec: TinySpec, numClasses: number): ArchSpec => ({
  name: 'custom',
  numBlocks: spec.architecture.numBlocks,
  widthMultiplier: spec.architecture.widthMultiplier,
  overrideGroupsMap: {},
  numClasses,
});

/**
 * The float32 sum a two-member fast-mode ring computes: each member adds its replicas' packets in
 * order, then the ring adds the two partial sums (one IEEE addition per element, so which member
 * adds into which does not matter). With three or more members the ring's order of additions
 * depends on the segment, which this does not model.
 */
function twoMemberFastSum(
  flats: readonly Float32Array[],
  groups: readonly number[][],
): Float32Array {
  if (groups.length !== 2) throw new Error('the fast-mode reference models two members only');
  const partial = groups.map((lanes) => {
    const sum = Float32Array.from(flats[lanes[0]]);
    for (const lane of lanes.slice(1)) {
      const c = flats[lane];
      for (let i = 0; i < sum.length; i++) sum[i] += c[i];
    }
    return sum;
  });
  const [total, other] = partial;
  for (let i = 0; i < total.length; i++) total[i] += other[i];
  return total;
}

/**
 * The same steps in one process with libs/training: every replica of every step computed here,
 * summed as the workers sum them — exactly through a one-member deterministic ring, or, for a
 * fast-mode job, as two members holding the replica groups `fastGroups` do — and applied with the
 * same schedule, from the seeded initialization or from `start` (a fine-tuning job's weights).
 */
export async function singleProcessWeights(
  dataDir: string,
  spec: TinySpec,
  fastGroups?: readonly number[][],
  start?: StateDict,
): Promise<StateDict> {
  if ((spec.mode === 'fast') !== (fastGroups !== undefined)) {
    throw new Error('a fast-mode reference needs the replica groups, and only it does');
  }
  await initBackend('cpu', { log: () => undefined });
  const source = await openDataset({ data: dataDir });
  const arch = expandArch(tinyArch(spec, source.numClasses));
  const weights = start ?? initStateDict(arch, spec.seed);
  const model = TrainModel.fromStateDict(arch, weights);
  const state = TrainState.create(model, weights, {
    momentum: 0.9,
    weightDecay: 1e-4,
    nesterov: false,
  });
  // The worker's IDX augmentation: the Fashion-MNIST preset's pad 2 at 28 px scaled to 8 px, flip 0.5.
  const transform = new SmallImageTransform({
    size: spec.imageSize,
    channels: 3,
    stats: source.stats ?? { mean: [0], std: [1] },
    padding: 1,
    flipProbability: 0.5,
    augment: true,
  });
  const loader = new BatchLoader({
    split: source.train,
    transform,
    seed: spec.seed,
    globalBatch: spec.globalBatch,
    replicas: spec.virtualReplicas,
  });
  const steps = loader.stepsPerEpoch;
  const schedule = { baseLr: spec.optimizer.lr, totalSteps: spec.epochs * steps, warmupSteps: 0 };
  const geometry = {
    globalBatch: spec.globalBatch,
    labelSmoothing: 0,
    bnSpatial: bnSpatialSizes(arch, spec.imageSize, spec.imageSize),
  };
  const [transport] = InMemoryTransport.ring(1);
  const ring = new RingCollective(transport, { mode: 'deterministic' });
  const lanes = Array.from({ length: spec.virtualReplicas }, (_, v) => v);
  for (let epoch = 0; epoch < spec.epochs; epoch++) {
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
            {
              images: mb.images,
              labels: mb.labels,
              shape: [mb.count, spec.imageSize, spec.imageSize, 3],
            },
            geometry,
          ),
        );
      }
      const layout = packetLayout(packets[0]);
      const flats = packets.map((p) => flattenPacket(p, layout));
      const summed =
        fastGroups === undefined
          ? await ring.allReduceContributions(epoch * steps + step, flats)
          : twoMemberFastSum(flats, fastGroups);
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

/** The keys whose shapes or float bits differ, or that only one side holds; empty: bit-identical. */
export function bitIdentical(a: StateDict, b: StateDict): string[] {
  const differing: string[] = [];
  for (const key of new Set([...a.keys(), ...b.keys()])) {
    const x = a.get(key);
    const y = b.get(key);
    const same =
      x !== undefined &&
      y !== undefined &&
      x.shape.join() === y.shape.join() &&
      Buffer.from(x.data.buffer, x.data.byteOffset, x.data.byteLength).equals(
        Buffer.from(y.data.buffer, y.data.byteOffset, y.data.byteLength),
      );
    if (!same) differing.push(key);
  }
  return differing;
}

/**
 * The job's validation of `weights` as the worker ran it before it had compute threads: `validate`
 * of the fused model on this thread over the IDX test split, with the worker's evaluation transform
 * and batch size.
 */
export async function singleProcessValidation(
  dataDir: string,
  spec: TinySpec,
  weights: StateDict,
): Promise<ValidationMetrics> {
  await initBackend('cpu', { log: () => undefined });
  const source = await openDataset({ data: dataDir });
  if (source.val === undefined) throw new Error(`${dataDir} has no validation split`);
  const arch = expandArch(tinyArch(spec, source.numClasses));
  const transform = new SmallImageTransform({
    size: spec.imageSize,
    channels: 3,
    stats: source.stats ?? { mean: [0], std: [1] },
    augment: false,
  });
  const model = evaluationModel(arch, weights);
  try {
    return await validate(
      model,
      new SplitValSource(source.val, transform, 100, new DecodeFailures()).batches(),
    );
  } finally {
    model.dispose();
  }
}
