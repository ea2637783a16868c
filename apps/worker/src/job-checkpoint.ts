import { basename } from 'node:path';
import { archToJson } from '@repvgg/core';
import type { Assignment__Output } from '@repvgg/contracts';
import { CHECKPOINT_FORMAT, saveCheckpoint } from '@repvgg/training';
import { CHECKPOINTS_DIR } from '@repvgg/training/store/store-layout';
import type { JobContext } from './job-context';

/**
 * Writes the current state as a training checkpoint after `step` steps of `epoch` into the job's
 * folder of the store and returns the checkpoint's folder relative to the job's folder (what the
 * coordinator records). Only a `validated` epoch is done (its cursor is the next epoch's start):
 * the shard's checkpoint of an epoch's last step keeps the cursor in the epoch, at step
 * stepsPerEpoch, so a job resumed from it still validates that epoch.
 */
export async function writeJobCheckpoint(
  ctx: JobContext,
  a: Assignment__Output,
  epoch: number,
  step: number,
  validated = false,
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
  const dir = await saveCheckpoint(ctx.store.path(`${a.artifactDir}/${CHECKPOINTS_DIR}`), {
    weights: state.toStateDict(ctx.model),
    momentum,
    meta: {
      format: CHECKPOINT_FORMAT,
      arch: archToJson(ctx.arch),
      cursor: validated
        ? { epoch: epoch + 1, step: 0, globalStep: state.step }
        : { epoch, step, globalStep: state.step },
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
  return `${CHECKPOINTS_DIR}/${basename(dir)}`;
}
