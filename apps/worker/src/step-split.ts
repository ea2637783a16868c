/**
 * Where one step's time went on a member, in seconds: awaiting its decoded micro-batches, its
 * replicas' gradients (with the step's sample digest gathered meanwhile), the all-reduce, applying
 * the summed packet, and the previous step's commit (the leader's ReportStep round trip and the
 * proceed broadcast; 0 at a shard's first step, whose predecessor was committed elsewhere).
 */
export interface StepSplit {
  readonly dataWaitSeconds: number;
  readonly computeSeconds: number;
  readonly allreduceSeconds: number;
  readonly applySeconds: number;
  readonly commitSeconds: number;
}

/** Seconds since `start` (a performance.now() reading). */
export function secondsSince(start: number): number {
  return (performance.now() - start) / 1000;
}
