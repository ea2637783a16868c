import type { Assignment__Output } from '@repvgg/contracts';
import { IdleWorker } from './idle-worker';

/**
 * A worker as the rendezvous sees it, over real gRPC, that never trains a step: given a shard it
 * reports `error` as its generation's failure (as a worker whose every batch fails to decode
 * would), or, with `error` null, it holds the shard silently while heartbeating.
 */
export class FailingWorker extends IdleWorker {
  /** The generations it reported failed. */
  readonly failuresReported: number[] = [];

  constructor(
    grpcPort: number,
    private readonly error: string | null,
  ) {
    super(grpcPort);
  }

  protected override onAssignment(a: Assignment__Output): void {
    if (this.error === null || a.shard == null) return;
    this.failuresReported.push(a.generation);
    this.reportFailure(a, this.error);
  }
}
