import type { JobRecord } from '@repvgg/contracts';
import type { TrainCursor } from '@repvgg/training';

/**
 * The record as it stood when training reached `cursor`: progress at its step, later epochs'
 * results dropped (they are validated again), no workers yet. Steps committed after the checkpoint
 * are trained again; in deterministic mode to the same weights.
 */
export function rewindTo(r: JobRecord, cursor: TrainCursor): JobRecord {
  return {
    ...r,
    workers: [],
    epochResults: r.epochResults.filter((e) => e.epoch < cursor.epoch),
    progress: {
      ...r.progress,
      epoch: cursor.epoch,
      committedSteps: cursor.step,
      completedSteps: cursor.globalStep,
    },
  };
}
