/** A job's failure budget in the rendezvous' terms (the spec's `failureBudget`, in ms). */
export interface FailureBudgetLimits {
  readonly maxFailures: number;
  readonly noProgressMs: number;
}

/**
 * Counts a job's generations that end in a failure report without a committed step in between,
 * and how long it has held workers on a shard without committing one. A committed step forgives
 * both. The verdict is a one-line reason to fail the job with, or null while budget is left.
 */
export class FailureBudget {
  private failures: string[] = [];
  /** Since when the job trains without progress; null while it has no workers or no shard. */
  private since: number | null = null;

  constructor(private readonly limits: FailureBudgetLimits) {}

  /** A step was committed (or an epoch validated): the job makes progress. */
  progressed(now: number): void {
    this.failures = [];
    if (this.since !== null) this.since = now;
  }

  /** A generation ended with `message`; the verdict when this spends the budget. */
  failed(message: string): string | null {
    this.failures.push(message);
    const n = this.failures.length;
    if (n < this.limits.maxFailures) return null;
    return `${mostFrequent(this.failures)} (${n} generations in a row failed without committing a step: failureBudget.maxFailures)`;
  }

  /**
   * Called periodically: `training` says whether the job holds workers on a shard now. The verdict
   * when it has trained for longer than the budget without progress.
   */
  check(now: number, training: boolean): string | null {
    if (!training) {
      this.since = null;
      return null;
    }
    this.since ??= now;
    const idle = now - this.since;
    if (idle <= this.limits.noProgressMs) return null;
    const last = this.failures.at(-1);
    const seconds = Math.round(this.limits.noProgressMs / 1000);
    return `no step committed for ${seconds} s while workers trained (failureBudget.noProgressSeconds)${last === undefined ? '' : `; last error: ${last}`}`;
  }
}

/** The message seen most often, the latest among equals. */
function mostFrequent(messages: readonly string[]): string {
  const counts = new Map<string, number>();
  let best = messages.at(-1) ?? '';
  for (const m of messages) counts.set(m, (counts.get(m) ?? 0) + 1);
  for (const [m, c] of counts) if (c > (counts.get(best) ?? 0)) best = m;
  return best;
}
