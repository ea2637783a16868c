import type { Assignment__Output } from '@repvgg/contracts';
import type { ValidationMetrics } from '@repvgg/training';
import { writeJobCheckpoint } from './job-checkpoint';
import { emptyTotals, type JobContext } from './job-context';
import type { JobLog } from './job-log';
import type { RendezvousClient } from './rendezvous.client';

/**
 * The leader's end of an epoch: makes sure it holds the epoch's final state, measures it on the
 * validation split (none: no metrics) on the compute threads, writes the epoch-end checkpoint and
 * reports both.
 */
export async function validateEpoch(
  ctx: JobContext,
  a: Assignment__Output,
  epoch: number,
  workerId: string,
  client: RendezvousClient,
  log: JobLog,
): Promise<void> {
  const started = performance.now();
  const state = await ctx.ensureState((epoch + 1) * ctx.stepsPerEpoch, a.checkpoint);
  let val: ValidationMetrics | undefined;
  if (ctx.val !== undefined) {
    // On the compute threads: a full validation split takes far longer than a heartbeat timeout.
    val = await ctx.replicas.validate(state.toStateDict(ctx.model), ctx.val.batches());
  }
  const t = ctx.totalsOf(epoch);
  const samples = Math.max(1, t.samples);
  ctx.history.push({
    epoch,
    trainLoss: t.lossSum / samples,
    trainTop1: t.correct / samples,
    trainImagesPerSec: t.samples / Math.max(t.stepSeconds, 1e-9),
    // Batches are decoded while the ring waits; this worker does not separate the two.
    dataWaitShare: 0,
    lr: t.lr,
    val,
    seconds: t.stepSeconds + (performance.now() - started) / 1000,
  });
  ctx.epochTotals = emptyTotals(epoch + 1);
  const checkpoint = await writeJobCheckpoint(ctx, a, epoch, ctx.stepsPerEpoch, true);
  await client.reportEpoch({
    workerId,
    jobId: a.jobId,
    generation: a.generation,
    epoch,
    valLoss: val?.loss ?? 0,
    top1: val?.top1 ?? 0,
    top5: val?.top5 ?? 0,
    imagesPerSecond: val?.imagesPerSec ?? 0,
    checkpoint,
  });
  const result =
    val === undefined
      ? 'no validation split'
      : `top-1 ${val.top1.toFixed(4)}, top-5 ${val.top5.toFixed(4)}, loss ${val.loss.toFixed(4)}`;
  log('info', `epoch ${epoch} validated (${result}); checkpoint ${checkpoint} written`, {
    jobId: a.jobId,
    generation: a.generation,
    rank: a.rank,
  });
}
