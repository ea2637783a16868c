/** The assignment asks to continue from a step whose state no member and no checkpoint holds. */
export class StateUnavailableError extends Error {
  constructor(expectedStep: number, detail: string) {
    super(
      `no training state for optimizer step ${expectedStep} (${detail}): restart the job from its latest checkpoint`,
    );
    this.name = 'StateUnavailableError';
  }
}

/** A state broadcast that does not decode into this job's parameters. */
export class StateTransferError extends Error {
  constructor(detail: string) {
    super(
      `the training state received from the leader is unusable (${detail}): make every worker run the same build`,
    );
    this.name = 'StateTransferError';
  }
}

/** The rendezvous refused a call or could not be reached. */
export class RendezvousCallError extends Error {
  /** `unreachable`: no coordinator answered (down, restarting): worth retrying, unlike a refusal. */
  constructor(
    method: string,
    detail: string,
    readonly unreachable = false,
  ) {
    super(
      `rendezvous ${method} failed (${detail}): check --coordinator and that the coordinator is up`,
    );
    this.name = 'RendezvousCallError';
  }
}

/** The coordinator refused this worker's token (or its lack of one): retrying cannot help. */
export class WorkerTokenError extends Error {
  readonly problem: string;
  readonly remedy = 'pass its worker token with --token-file FILE or REPVGG_WORKER_TOKEN';

  constructor(method: string, detail: string) {
    const problem = `the coordinator refused this worker on rendezvous ${method} (${detail})`;
    super(`${problem}; pass its worker token with --token-file FILE or REPVGG_WORKER_TOKEN`);
    this.problem = problem;
    this.name = 'WorkerTokenError';
  }
}

/** A generation gave this member no virtual replica, so it has nothing to add to the all-reduce. */
export class NoReplicasError extends Error {
  constructor(rank: number, generation: number) {
    super(
      `rank ${rank} of generation ${generation} was assigned no virtual replica: lower workers.max to at most virtualReplicas`,
    );
    this.name = 'NoReplicasError';
  }
}

/** Replicas are computed on threads only, so a worker needs at least one. */
export class ThreadCountError extends Error {
  constructor(threads: number) {
    super(`a worker needs at least 1 compute thread, got ${threads}: pass --threads 1 or more`);
    this.name = 'ThreadCountError';
  }
}
