import type { Architecture, StateDict } from '@repvgg/core';
import type { Preprocessing } from '@repvgg/core/export/bundle-report';
import { BatchLoader } from '../data/batch-loader';
import type { DatasetSource } from '../data/dataset-source';
import { DecodeFailures } from '../data/decode-failures';
import { openDataset, type DatasetLocation } from '../data/open-dataset';
import type { ImageTransform } from '../data/transforms/image-transform';
import { RandomResizedCropTransform } from '../data/transforms/imagenet.transform';
import { PreprocessingTransform } from '../data/transforms/preprocessing.transform';
import { SmallImageTransform } from '../data/transforms/small-image.transform';
import { IMAGENET_STATS } from '../data/transforms/normalization';
import { planLanes } from '../parallel/lane-plan';
import { InThreadReplicaPool } from '../parallel/in-thread-replica.pool';
import { ProcessReplicaPool } from '../parallel/process-replica.pool';
import type { ReplicaLanePool } from '../parallel/replica-lane.pool';
import { ThreadReplicaPool } from '../parallel/thread-replica.pool';
import { cosineSchedule, type LrSchedule } from '../schedule/cosine.schedule';
import { bnSpatialSizes } from '../step/bn-sample-counts';
import type { StepGeometry } from '../step/compute-gradients';
import { SplitValSource } from '../trainer/loader-batch-source';
import { evalPreprocessing } from './eval-preprocessing';

/**
 * What a training run is, whoever runs it: `repvgg train`'s flags (`trainLocally`) or a coordinator
 * job spec (`recipeFromJobSpec`: the workers and the finalizer).
 */
export interface JobRecipe {
  readonly dataset: DatasetLocation;
  /** The architecture for the dataset's class count. */
  readonly arch: (numClasses: number) => Architecture;
  readonly imageSize: number;
  readonly epochs: number;
  readonly globalBatch: number;
  /** Virtual replicas: BatchNorm statistics per globalBatch / replicas samples. */
  readonly replicas: number;
  readonly lr: number;
  readonly warmupEpochs: number;
  readonly labelSmoothing: number;
  /** Small fixed-size images (IDX): random-crop zero padding and flip probability. */
  readonly padding: number;
  readonly flipProbability: number;
  /** Probability of Random Erasing per training sample, after the crop and flip; absent or 0: none. */
  readonly randomErasing?: number;
  readonly seed: number;
}

/**
 * Validation batch size everywhere (training, workers, `repvgg evaluate`): the batches fix the order
 * the loss is summed in, so one size keeps the metrics reproducible bit for bit.
 */
export const VALIDATION_BATCH = 100;

/** The dataset and what follows from it alone: architecture, transforms, recorded preprocessing. */
export interface JobData {
  readonly source: DatasetSource;
  readonly arch: Architecture;
  readonly train: ImageTransform;
  /** Built from `preprocessing`: what validation uses is what a bundle records. */
  readonly val: ImageTransform;
  readonly preprocessing: Preprocessing;
}

/**
 * First link of the job setup: opens the dataset, resolves the architecture for its classes and
 * builds the transforms — small IDX images get pad-crop + flip, image folders the paper's
 * RandomResizedCrop + flip, either followed by Random Erasing when the recipe asks; evaluation is the
 * bundle's `Preprocessing` either way.
 */
export async function openJobData(recipe: JobRecipe): Promise<JobData> {
  const source = await openDataset(recipe.dataset);
  const arch = recipe.arch(source.numClasses);
  const size = recipe.imageSize;
  const stats = source.stats ?? IMAGENET_STATS;
  const preprocessing = evalPreprocessing(source, size, arch.inputChannels);
  const train =
    source.kind === 'idx'
      ? new SmallImageTransform({
          size,
          channels: 3,
          stats,
          padding: recipe.padding,
          flipProbability: recipe.flipProbability,
          randomErasing: recipe.randomErasing ?? 0,
          augment: true,
        })
      : new RandomResizedCropTransform({ size, stats, randomErasing: recipe.randomErasing ?? 0 });
  return { source, arch, train, val: new PreprocessingTransform(preprocessing), preprocessing };
}

/** Everything a run needs to step through its epochs, built from its data. */
export interface JobTraining {
  readonly failures: DecodeFailures;
  readonly loader: BatchLoader;
  readonly val: SplitValSource | undefined;
  readonly geometry: StepGeometry;
  readonly stepsPerEpoch: number;
  readonly schedule: LrSchedule;
}

/** Second link: loader, validation batches, step geometry and learning-rate schedule. */
export function jobTraining(data: JobData, recipe: JobRecipe, prefetch?: number): JobTraining {
  const failures = new DecodeFailures();
  const loader = new BatchLoader({
    split: data.source.train,
    transform: data.train,
    seed: recipe.seed,
    globalBatch: recipe.globalBatch,
    replicas: recipe.replicas,
    ...(prefetch === undefined ? {} : { prefetch }),
    failures,
  });
  const val =
    data.source.val === undefined
      ? undefined
      : new SplitValSource(data.source.val, data.val, VALIDATION_BATCH, failures);
  const steps = loader.stepsPerEpoch;
  return {
    failures,
    loader,
    val,
    geometry: {
      globalBatch: recipe.globalBatch,
      labelSmoothing: recipe.labelSmoothing,
      bnSpatial: bnSpatialSizes(data.arch, recipe.imageSize, recipe.imageSize),
    },
    stepsPerEpoch: steps,
    schedule: cosineSchedule(recipe.lr, recipe.epochs, steps, recipe.warmupEpochs),
  };
}

/**
 * Last link: compute lanes for the replicas on `backend` (planLanes): `threads` worker threads, or
 * one child process for a backend whose native addon loads in one thread per process (tfjs-node),
 * both off the calling thread; `threads` 0 serves the one lane on the calling thread
 * (InThreadReplicaPool). The lanes' weights are replaced by the state's parameters every step;
 * `weights` only shape the models.
 */
export function startComputeLanes(
  data: JobData,
  training: JobTraining,
  lanes: { readonly threads: number; readonly backend: string; readonly weights: StateDict },
): Promise<ReplicaLanePool> {
  const plan = planLanes(lanes.backend, {
    threads: lanes.threads,
    keepEventLoopFree: lanes.threads > 0,
  });
  const init = {
    arch: data.arch,
    weights: lanes.weights,
    ...training.geometry,
    backend: lanes.backend,
  };
  if (plan.kind === 'main') return InThreadReplicaPool.start(init);
  return plan.kind === 'processes'
    ? ProcessReplicaPool.start(plan.lanes, init)
    : ThreadReplicaPool.start(plan.lanes, init);
}
