import {
  archToJson,
  expandArch,
  initStateDict,
  type Architecture,
  type ArchSpec,
  type StateDict,
} from '@repvgg/core';
import { initBackend, type BackendInfo } from '@repvgg/core/compute/backend';
import type { Preprocessing } from '@repvgg/core/export/bundle-report';
import { TrainModel } from '@repvgg/core/graph/train-model';
import { loadLatestCheckpoint, type Checkpoint } from '../checkpoint/checkpoint.store';
import type { DatasetSource } from '../data/dataset-source';
import { InvalidBatchLayoutError } from '../data/dataset.error';
import type { DecodeFailures } from '../data/decode-failures';
import type { DatasetLocation } from '../data/open-dataset';
import { planLanes } from '../parallel/lane-plan';
import { jobTraining, openJobData, startComputeLanes, type JobRecipe } from '../setup/job-setup';
import { TrainState } from '../step/train-state';
import type { EpochMetrics } from './epoch-metrics';
import { evaluationModel } from './evaluation-model';
import { loadFineTuneWeights } from './fine-tune';
import { LoaderBatchSource } from './loader-batch-source';
import { LocalReplicaPool } from './local-replica.pool';
import type { ReplicaPool } from './replica-pool';
import { runTraining, type TrainerHooks } from './trainer';
import { TrainingSetupError } from './training-setup.error';

export interface LocalTrainOptions {
  readonly dataset: DatasetLocation;
  /** The class count is taken from the dataset. */
  readonly arch: ArchSpec;
  readonly imageSize: number;
  readonly epochs: number;
  readonly globalBatch: number;
  readonly replicas: number;
  readonly lr: number;
  readonly warmupEpochs: number;
  readonly momentum: number;
  readonly weightDecay: number;
  readonly nesterov: boolean;
  readonly labelSmoothing: number;
  readonly clipGradNorm?: number;
  /** Small fixed-size images (IDX): random-crop padding and flip probability. */
  readonly padding: number;
  readonly flipProbability: number;
  /** Probability of Random Erasing per training sample; absent or 0: none. */
  readonly randomErasing?: number;
  readonly seed: number;
  /** Compute threads; 0 computes every replica on this thread. */
  readonly threads: number;
  readonly backend?: string;
  readonly checkpointDir?: string;
  readonly checkpointEverySteps?: number;
  /** Continue from the latest checkpoint in `checkpointDir` when there is one. */
  readonly resume: boolean;
  /** Fine-tune from this official-layout training checkpoint (head re-initialized). */
  readonly initFrom?: string;
  readonly signal?: AbortSignal;
  readonly hooks?: TrainerHooks;
}

export interface LocalTrainResult {
  readonly arch: Architecture;
  /** Final official training state dict (running statistics included). */
  readonly weights: StateDict;
  readonly history: EpochMetrics[];
  readonly completed: boolean;
  readonly source: DatasetSource;
  readonly backend: BackendInfo;
  /** The evaluation transform validation used, as the deploy bundle records it. */
  readonly preprocessing: Preprocessing;
  readonly decodeFailures: DecodeFailures;
}

async function startingPoint(
  arch: Architecture,
  opts: LocalTrainOptions,
): Promise<{ weights: StateDict; checkpoint: Checkpoint | undefined }> {
  if (opts.resume && opts.checkpointDir !== undefined) {
    const checkpoint = await loadLatestCheckpoint(opts.checkpointDir);
    if (checkpoint !== undefined) {
      if (JSON.stringify(checkpoint.meta.arch) !== JSON.stringify(archToJson(arch))) {
        throw new TrainingSetupError(
          `the checkpoint in ${opts.checkpointDir} was trained with another architecture`,
          'use another --out or start without --resume',
        );
      }
      return { weights: checkpoint.weights, checkpoint };
    }
  }
  if (opts.initFrom !== undefined) {
    return {
      weights: await loadFineTuneWeights(opts.initFrom, arch, opts.seed),
      checkpoint: undefined,
    };
  }
  return { weights: initStateDict(arch, opts.seed), checkpoint: undefined };
}

/**
 * Trains on one machine with no coordinator: opens the dataset, builds or restores the model, runs the
 * epochs with validation and checkpoints, and returns the final weights and the per-epoch history.
 */
export async function trainLocally(opts: LocalTrainOptions): Promise<LocalTrainResult> {
  if (
    !Number.isInteger(opts.globalBatch) ||
    !Number.isInteger(opts.replicas) ||
    opts.replicas < 1 ||
    opts.globalBatch % opts.replicas !== 0
  ) {
    throw new InvalidBatchLayoutError(opts.globalBatch, opts.replicas);
  }
  const recipe: JobRecipe = {
    ...opts,
    arch: (numClasses) => expandArch({ ...opts.arch, numClasses }),
  };
  const data = await openJobData(recipe);
  const { source, arch } = data;
  if (source.train.size < opts.globalBatch) {
    throw new TrainingSetupError(
      `the train split has ${source.train.size} images, fewer than one batch of ${opts.globalBatch}`,
      'lower --batch',
    );
  }
  const backend = await initBackend(opts.backend);
  const { weights, checkpoint } = await startingPoint(arch, opts);

  const model = TrainModel.fromStateDict(arch, weights);
  const state = TrainState.create(model, weights, {
    momentum: opts.momentum,
    weightDecay: opts.weightDecay,
    nesterov: opts.nesterov,
  });
  if (checkpoint !== undefined) {
    state.optimizer.loadState(
      new Map(
        [...checkpoint.momentum].flatMap(([k, t]) => (t.dtype === 'float32' ? [[k, t.data]] : [])),
      ),
    );
    state.step = checkpoint.meta.cursor.globalStep;
  }
  const training = jobTraining(data, recipe, 2 * opts.replicas);
  const train = new LoaderBatchSource(training.loader, data.train, opts.replicas);
  // a native backend (tfjs-node) computes on this thread: it cannot load in a second one
  const lanes = planLanes(backend.name, { threads: opts.threads, keepEventLoopFree: false });
  const pool: ReplicaPool =
    lanes.kind !== 'main'
      ? await startComputeLanes(data, training, {
          threads: opts.threads,
          backend: backend.name,
          weights,
        })
      : new LocalReplicaPool(model, training.geometry);
  try {
    const outcome = await runTraining(
      {
        state,
        model,
        pool,
        evalModel: (sd) => evaluationModel(arch, sd),
        train,
        val: training.val,
      },
      {
        epochs: opts.epochs,
        globalBatch: opts.globalBatch,
        schedule: training.schedule,
        clipGradNorm: opts.clipGradNorm,
        checkpointDir: opts.checkpointDir,
        checkpointEverySteps: opts.checkpointEverySteps,
        seed: opts.seed,
        arch: archToJson(arch),
        run: {
          dataset: source.root,
          datasetHash: source.contentHash,
          imageSize: opts.imageSize,
          globalBatch: opts.globalBatch,
          replicas: opts.replicas,
          lr: opts.lr,
          epochs: opts.epochs,
        },
        signal: opts.signal,
      },
      {
        cursor: checkpoint?.meta.cursor ?? { epoch: 0, step: 0, globalStep: 0 },
        history: checkpoint?.meta.history ?? [],
      },
      opts.hooks,
    );
    return {
      arch,
      weights: state.toStateDict(model),
      history: outcome.history,
      completed: outcome.completed,
      source,
      backend,
      preprocessing: data.preprocessing,
      decodeFailures: training.failures,
    };
  } finally {
    await pool.close();
    model.dispose();
  }
}
