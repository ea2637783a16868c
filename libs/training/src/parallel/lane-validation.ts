import type { StateDict } from '@repvgg/core';
import type { ReplicaBatch } from '../step/replica-model';
import type { ValidationMetrics } from '../trainer/epoch-metrics';
import { ValidationTotals, type BatchEvaluation } from '../trainer/validate';

/** What validation needs of a pool of compute threads (ThreadReplicaPool). */
export interface EvaluationLanes {
  readonly lanes: number;
  loadEvaluation(weights: StateDict, deploy?: boolean): Promise<void>;
  evaluate(batch: ReplicaBatch): Promise<BatchEvaluation>;
  releaseEvaluation(): Promise<void>;
}

const nextTurn = (): Promise<void> =>
  new Promise((resolve) => {
    setImmediate(resolve);
  });

/**
 * `validate` with the forward passes on the lanes: up to one batch per lane in flight, the next one
 * read (decoded on this thread) meanwhile, the evaluations summed in batch order so the metrics are
 * those of one pass over the batches. The event loop gets a turn between batches. `deploy`: the
 * weights are a deploy state dict (a bundle's), not training weights to fuse.
 */
export async function validateOnLanes(
  pool: EvaluationLanes,
  weights: StateDict,
  batches: AsyncIterable<ReplicaBatch>,
  deploy = false,
): Promise<ValidationMetrics> {
  const start = performance.now();
  await pool.loadEvaluation(weights, deploy);
  const inFlight: Promise<BatchEvaluation>[] = [];
  try {
    const totals = new ValidationTotals();
    for await (const b of batches) {
      const oldest = inFlight.length >= pool.lanes ? inFlight.shift() : undefined;
      if (oldest !== undefined) totals.add(await oldest);
      const evaluation = pool.evaluate(b);
      // awaited in order below; until then a failure must not count as unhandled
      evaluation.catch(() => undefined);
      inFlight.push(evaluation);
      await nextTurn();
    }
    for (const e of inFlight.splice(0)) totals.add(await e);
    return totals.metrics((performance.now() - start) / 1000);
  } finally {
    await Promise.allSettled(inFlight);
    await pool.releaseEvaluation();
  }
}
