import { join, relative } from 'node:path';
import { archToJson } from '@repvgg/core';
import type { Assignment__Output } from '@repvgg/contracts';
import { CHECKPOINT_FORMAT, saveCheckpoint } from '@repvgg/training';
import type { JobContext } from './job-context';

/** Checkpoints of a job live here, under its artifact directory, where the coordinator looks. */
export const CHECKPOINTS_DIR = 'checkpoints';

/**
 * Writes the current state as a training checkpoint after `step` steps of `epoch` (step =
 * stepsPerEpoch: the epoch is done) and returns its folder relative to the job's artifact dir.
 */
export async function writeJobCheckpoint(
  ctx: JobContext,
  a: Assignment__Output,
  epoch: number,
  step: number,
): Promise<string> {
  const state = ctx.state;
  if (state === undefined) throw new RangeError('no training state to checkpoint');
  const shapes = new Map(
    [...ctx.model.trainableVariables()].map(([k, v]) => [k, v.shape] as const),
  );
  const momentum = new Map(
    [...state.optimizer.state()].map(([k, data]) => [
      k,
      { dtype: 'float32' as const, shape: shapes.get(k) ?? [data.length], data },
    ]),
  );
  const done = step >= ctx.stepsPerEpoch;
  const dir = await saveCheckpoint(join(a.artifactDir, CHECKPOINTS_DIR), {
    weights: state.toStateDict(ctx.model),
    momentum,
    meta: {
      format: CHECKPOINT_FORMAT,
      arch: archToJson(ctx.arch),
      cursor: { epoch: done ? epoch + 1 : epoch, step: done ? 0 : step, globalStep: state.step },
      rng: { seed: ctx.spec.seed },
      optimizer: state.optimizer.config,
      schedule: ctx.schedule,
      history: ctx.history,
      run: {
        job: ctx.jobId,
        dataset: ctx.source.root,
        datasetHash: ctx.source.contentHash,
        imageSize: ctx.spec.imageSize,
        globalBatch: ctx.spec.globalBatch,
        replicas: ctx.spec.virtualReplicas,
        lr: ctx.spec.optimizer.lr,
        epochs: ctx.spec.epochs,
      },
    },
  });
  return relative(a.artifactDir, dir);
}
