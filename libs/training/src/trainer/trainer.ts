import type { StateDict } from '@repvgg/core';
import { saveCheckpoint } from '../checkpoint/checkpoint.store';
import { CHECKPOINT_FORMAT, type TrainCursor } from '../checkpoint/checkpoint-meta';
import { learningRate, type LrSchedule } from '../schedule/cosine.schedule';
import { applyGradients } from '../step/apply-gradients';
import type { StatefulModel, TrainState } from '../step/train-state';
import type { TrainBatchSource, ValBatchSource } from './batch-source';
import type { EpochMetrics, ValidationMetrics } from './epoch-metrics';
import type { ReplicaPool } from './replica-pool';
import { validate, type Predictor } from './validate';

export interface TrainerConfig {
  readonly epochs: number;
  readonly globalBatch: number;
  readonly schedule: LrSchedule;
  readonly clipGradNorm?: number;
  /** Where checkpoints go (at each epoch end, every `checkpointEverySteps`, and when stopped). */
  readonly checkpointDir?: string;
  readonly checkpointEverySteps?: number;
  readonly seed: number;
  readonly arch: object;
  readonly run: Readonly<Record<string, unknown>>;
  /** Stops at the next step boundary, after a checkpoint. */
  readonly signal?: AbortSignal;
}

export interface StepReport {
  readonly epoch: number;
  readonly epochs: number;
  readonly step: number;
  readonly stepsPerEpoch: number;
  readonly loss: number;
  readonly imagesPerSec: number;
  readonly lr: number;
}

export interface TrainerHooks {
  onStep?(report: StepReport): void;
  onEpoch?(metrics: EpochMetrics): void;
}

export interface TrainerParts {
  readonly state: TrainState;
  /** The main thread's model: converts weights to the official layout. */
  readonly model: StatefulModel;
  readonly pool: ReplicaPool;
  /** Builds an inference model from an official training state dict (the caller's to dispose). */
  readonly evalModel: (sd: StateDict) => Predictor & { dispose(): void };
  readonly train: TrainBatchSource;
  readonly val: ValBatchSource | undefined;
}

export interface TrainOutcome {
  readonly cursor: TrainCursor;
  readonly history: EpochMetrics[];
  /** False when stopped by the signal before the last epoch ended. */
  readonly completed: boolean;
}

/**
 * The epoch loop: per step, the replicas' packet for the current weights, then the update; per epoch,
 * validation, metrics and a checkpoint. Starts at `cursor` so a resumed run continues exactly.
 */
export async function runTraining(
  parts: TrainerParts,
  config: TrainerConfig,
  start: { cursor: TrainCursor; history: readonly EpochMetrics[] },
  hooks: TrainerHooks = {},
): Promise<TrainOutcome> {
  const { state, pool, train } = parts;
  const history = [...start.history];
  let cursor = start.cursor;
  const checkpoint = async (weights?: StateDict): Promise<void> => {
    if (config.checkpointDir === undefined) return;
    const shapes = new Map(
      [...parts.model.trainableVariables()].map(([k, v]) => [k, v.shape] as const),
    );
    const momentum = new Map(
      [...state.optimizer.state()].map(([k, data]) => [
        k,
        { dtype: 'float32' as const, shape: shapes.get(k) ?? [data.length], data },
      ]),
    );
    await saveCheckpoint(config.checkpointDir, {
      weights: weights ?? state.toStateDict(parts.model),
      momentum,
      meta: {
        format: CHECKPOINT_FORMAT,
        arch: config.arch,
        cursor,
        rng: { seed: config.seed },
        optimizer: state.optimizer.config,
        schedule: config.schedule,
        history,
        run: config.run,
      },
    });
  };

  for (let epoch = cursor.epoch; epoch < config.epochs; epoch++) {
    const epochStart = performance.now();
    let waitMs = 0;
    let lossSum = 0;
    let correct = 0;
    let samples = 0;
    let lr = 0;
    const iterator = train.epoch(epoch, cursor.step)[Symbol.asyncIterator]();
    for (let step = cursor.step; ; step++) {
      if (config.signal?.aborted === true) {
        await iterator.return?.();
        await checkpoint();
        return { cursor, history, completed: false };
      }
      const waitStart = performance.now();
      const next = await iterator.next();
      waitMs += performance.now() - waitStart;
      if (next.done === true) break;
      const stepStart = performance.now();
      lr = learningRate(config.schedule, state.step);
      const packet = await pool.compute(state.params, next.value);
      applyGradients(state, packet, { lr, clipGradNorm: config.clipGradNorm });
      lossSum += packet.lossSum;
      correct += packet.correct;
      samples += packet.samples;
      cursor = { epoch, step: step + 1, globalStep: state.step };
      hooks.onStep?.({
        epoch,
        epochs: config.epochs,
        step,
        stepsPerEpoch: train.stepsPerEpoch,
        loss: packet.lossSum / packet.samples,
        imagesPerSec: (packet.samples * 1000) / (performance.now() - stepStart),
        lr,
      });
      const every = config.checkpointEverySteps;
      if (every !== undefined && state.step % every === 0 && step + 1 < train.stepsPerEpoch) {
        await checkpoint();
      }
    }
    const trainMs = performance.now() - epochStart;
    let val: ValidationMetrics | undefined;
    // Converted once: the epoch's validation and its checkpoint read the same weights.
    let weights: StateDict | undefined;
    if (parts.val !== undefined) {
      weights = state.toStateDict(parts.model);
      const evalModel = parts.evalModel(weights);
      try {
        val = await validate(evalModel, parts.val.batches());
      } finally {
        evalModel.dispose();
      }
    }
    const metrics: EpochMetrics = {
      epoch,
      trainLoss: lossSum / Math.max(1, samples),
      trainTop1: correct / Math.max(1, samples),
      trainImagesPerSec: (samples * 1000) / Math.max(trainMs, 1e-9),
      dataWaitShare: waitMs / Math.max(trainMs, 1e-9),
      lr,
      val,
      seconds: (performance.now() - epochStart) / 1000,
    };
    history.push(metrics);
    cursor = { epoch: epoch + 1, step: 0, globalStep: state.step };
    hooks.onEpoch?.(metrics);
    await checkpoint(weights);
  }
  return { cursor, history, completed: true };
}
