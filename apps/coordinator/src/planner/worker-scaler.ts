/** A replica count someone else applies (the StatefulSet's scale subresource). */
export interface ScaleTarget {
  replicas(): Promise<number>;
  scaleTo(replicas: number): Promise<void>;
}

/**
 * The replica count one reconcile moves to: straight up to what the jobs want, but down by one at a time — each
 * removed worker drains at its step boundary and re-forms its job's ring, so shrinking in one go would turn one
 * generation change into several overlapping ones.
 */
export function nextReplicas(have: number, want: number): number {
  if (want > have) return want;
  if (want < have) return have - 1;
  return have;
}

/** Compares the desired workers with the target's scale and patches the difference, one reconcile at a time. */
export class WorkerScaler {
  constructor(
    private readonly target: ScaleTarget,
    private readonly desired: () => Promise<number>,
    private readonly log: (line: string) => void,
  ) {}

  /** One comparison; returns the replica count it left the target at. */
  async reconcile(): Promise<number> {
    const [want, have] = await Promise.all([this.desired(), this.target.replicas()]);
    const next = nextReplicas(have, want);
    if (next !== have) {
      await this.target.scaleTo(next);
      this.log(`workers ${have} -> ${next} (the runnable jobs want ${want})`);
    }
    return next;
  }
}
