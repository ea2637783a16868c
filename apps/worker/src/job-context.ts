import { initStateDict, readWeightsFile, type Architecture, type StateDict } from '@repvgg/core';
import { TrainModel } from '@repvgg/core/graph/train-model';
import { jobSpecSchema, type JobSpec } from '@repvgg/contracts';
import {
  BatchLoader,
  fineTuneWeights,
  loadCheckpoint,
  SplitValSource,
  TrainState,
  type ReplicaLanePool,
  type DatasetSource,
  type EpochMetrics,
  type LrSchedule,
  type SgdConfig,
} from '@repvgg/training';
import { stat } from 'node:fs/promises';
import { jobTraining, openJobData, startComputeLanes } from '@repvgg/training/setup/job-setup';
import {
  computeThreads,
  replicaStepMacs,
  type ThreadRequest,
} from '@repvgg/training/parallel/lane-plan';
import { recipeFromJobSpec } from '@repvgg/training/setup/job-recipe';
import type { ArtifactStore } from '@repvgg/training/store/artifact.store';
import type { StepSplit } from './step-split';
import { StateUnavailableError } from './worker.error';

export interface EpochTotals {
  readonly epoch: number;
  lossSum: number;
  correct: number;
  samples: number;
  stepSeconds: number;
  lr: number;
}

export const emptyTotals = (epoch: number): EpochTotals => ({
  epoch,
  lossSum: 0,
  correct: 0,
  samples: 0,
  stepSeconds: 0,
  lr: 0,
});

/**
 * What the leader reports for a step, kept by every member that applied it: when the leader is lost
 * before `ReportStep`, the next generation commits the step from this record instead of running it
 * again.
 */
export interface AppliedStep extends StepSplit {
  /** epoch * stepsPerEpoch + step: the state's optimizer step before this one was applied. */
  readonly globalStep: number;
  readonly epoch: number;
  readonly step: number;
  readonly loss: number;
  readonly lr: number;
  readonly images: number;
  readonly seconds: number;
  /** The step's sample digest over every member's replicas (StepReport.samples_digest). */
  readonly samplesDigest: string;
}

/** How a worker computes its replicas' packets. */
export interface ComputeLanes {
  /**
   * Compute threads (ThreadReplicaPool lanes); one already keeps steps off the event loop. A
   * backend with a native addon (tensorflow) gets one child process instead (planLanes). 0: on the
   * worker's own thread; 'auto': 0 for a job whose replica steps are small, else 1 (computeThreads).
   */
  readonly threads: ThreadRequest;
  /** The backend the lanes activate: the worker's own, so packets match a single-process run. */
  readonly backend: string;
}

/**
 * Everything a worker holds for one job (set up by libs/training's job setup, as `repvgg train` and
 * the finalizer are): the dataset and its loader, the compute lanes its replicas
 * run on (a step takes longer than a heartbeat interval, so it must not block the event loop), the
 * host model its state syncs to for checkpoints, the schedule, and the training state (absent until
 * this worker received or loaded it).
 */
export class JobContext {
  state: TrainState | undefined;
  /** Epoch metrics so far, carried into checkpoints (the leader's record). */
  readonly history: EpochMetrics[] = [];
  /** Training totals of the epoch in progress, over the steps this state has applied. */
  epochTotals: EpochTotals = emptyTotals(0);
  /** The last step this state applied (absent until one was). */
  applied: AppliedStep | undefined;
  private constructor(
    readonly jobId: string,
    readonly spec: JobSpec,
    readonly arch: Architecture,
    readonly source: DatasetSource,
    public model: TrainModel,
    readonly loader: BatchLoader,
    readonly val: SplitValSource | undefined,
    /** H, W, C of one transformed training sample. */
    readonly sampleShape: readonly [number, number, number],
    readonly schedule: LrSchedule,
    readonly replicas: ReplicaLanePool,
    /** This worker's mount of the artifact store: assignments name checkpoints relative to it. */
    readonly store: ArtifactStore,
  ) {}

  static async open(
    jobId: string,
    specJson: string,
    lanes: ComputeLanes,
    store: ArtifactStore,
  ): Promise<JobContext> {
    const spec = jobSpecSchema.parse(JSON.parse(specJson));
    const recipe = recipeFromJobSpec(spec);
    const data = await openJobData(recipe);
    const training = jobTraining(data, recipe);
    const weights = initStateDict(data.arch, spec.seed);
    const threads = computeThreads(
      lanes.threads,
      replicaStepMacs(data.arch, recipe.imageSize, recipe.globalBatch / recipe.replicas),
    );
    const replicas = await startComputeLanes(data, training, { ...lanes, threads, weights });
    return new JobContext(
      jobId,
      spec,
      data.arch,
      data.source,
      TrainModel.fromStateDict(data.arch, weights),
      training.loader,
      training.val,
      [data.train.height, data.train.width, data.train.channels],
      training.schedule,
      replicas,
      store,
    );
  }

  /** The totals of `epoch`, started afresh when the state moved on to it. */
  totalsOf(epoch: number): EpochTotals {
    if (this.epochTotals.epoch !== epoch) this.epochTotals = emptyTotals(epoch);
    return this.epochTotals;
  }

  get sgd(): SgdConfig {
    const { momentum, weightDecay, nesterov } = this.spec.optimizer;
    return { momentum, weightDecay, nesterov };
  }

  get stepsPerEpoch(): number {
    return this.loader.stepsPerEpoch;
  }

  /**
   * Makes `state` the one at optimizer step `expected`: kept when it already is, else read from
   * `checkpoint` (a store path; its cursor must match), else the seeded initialization at step 0.
   * The job's `initialCheckpoint` is no state to resume but a source of starting weights
   * (fine-tuning), whatever its cursor.
   */
  async ensureState(expected: number, checkpoint: string): Promise<TrainState> {
    if (this.state?.step === expected) return this.state;
    if (checkpoint !== '' && checkpoint === this.spec.initialCheckpoint) {
      if (expected !== 0) {
        throw new StateUnavailableError(
          expected,
          `the job's initialCheckpoint ${checkpoint} starts it at step 0 only`,
        );
      }
      return this.restart(await this.initialWeights(checkpoint), 0, new Map());
    }
    if (checkpoint !== '') {
      const ckpt = await loadCheckpoint(this.store.path(checkpoint));
      if (ckpt.meta.cursor.globalStep !== expected) {
        throw new StateUnavailableError(
          expected,
          `checkpoint ${checkpoint} is at step ${ckpt.meta.cursor.globalStep}`,
        );
      }
      const momentum = new Map(
        [...ckpt.momentum].flatMap(([k, t]) => (t.dtype === 'float32' ? [[k, t.data]] : [])),
      );
      return this.restart(ckpt.weights, expected, momentum);
    }
    if (expected === 0) return this.restart(initStateDict(this.arch, this.spec.seed), 0, new Map());
    throw new StateUnavailableError(expected, 'no checkpoint was given');
  }

  /**
   * Weights only, from any cursor: a checkpoint folder (e.g. a finished job's final-checkpoint) or
   * a weights file (.safetensors, PyTorch .pth). The head is kept when it fits this job's classes
   * and otherwise re-initialized from the seed, as `repvgg train --init-from` re-initializes it.
   */
  private async initialWeights(storePath: string): Promise<StateDict> {
    const path = this.store.path(storePath);
    const tensors = (await stat(path)).isDirectory()
      ? (await loadCheckpoint(path)).weights
      : (await readWeightsFile(path)).tensors;
    return fineTuneWeights(tensors, this.arch, this.spec.seed, { keepMatchingHead: true });
  }

  async dispose(): Promise<void> {
    this.model.dispose();
    await this.replicas.close();
  }

  private restart(
    weights: StateDict,
    step: number,
    momentum: ReadonlyMap<string, Float32Array>,
  ): TrainState {
    this.model.dispose();
    this.model = TrainModel.fromStateDict(this.arch, weights);
    const state = TrainState.create(this.model, weights, this.sgd);
    state.optimizer.loadState(momentum);
    state.step = step;
    this.state = state;
    return state;
  }
}
