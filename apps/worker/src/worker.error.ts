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

/** A worker whose configuration the coordinator can never accept: retrying cannot help. */
export abstract class WorkerConfigError extends Error {
  constructor(
    readonly problem: string,
    readonly remedy: string,
  ) {
    super(`${problem}; ${remedy}`);
    this.name = new.target.name;
  }
}

/** The coordinator refused this worker's token (or its lack of one). */
export class WorkerTokenError extends WorkerConfigError {
  constructor(method: string, detail: string) {
    super(
      `the coordinator refused this worker on rendezvous ${method} (${detail})`,
      'pass its worker token with --token-file FILE or REPVGG_WORKER_TOKEN',
    );
  }
}

/**
 * This worker speaks TLS and the coordinator does not, or the coordinator's certificate fails this
 * worker's check: a TLS error no coordinator restart changes.
 */
export class CoordinatorTlsError extends WorkerConfigError {
  constructor(coordinator: string, plaintext: boolean, detail: string) {
    super(
      plaintext
        ? `the coordinator at ${coordinator} does not speak TLS (${detail})`
        : `the coordinator's certificate at ${coordinator} is not trusted (${detail})`,
      plaintext
        ? 'start it with --tls-dir or REPVGG_TLS_DIR, or start this worker without --tls-dir'
        : "put the CA that signed the coordinator's certificate in this worker's ca.crt (--tls-dir), and make the certificate valid for the host dialled",
    );
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

/** `--threads` that is neither auto nor a whole number ≥ 0 (0: the worker's own thread). */
export class ThreadCountError extends Error {
  constructor(threads: number | string) {
    super(
      `a worker's compute threads must be a whole number ≥ 0 or auto, got ${threads}: pass --threads auto, 0, 1 or more`,
    );
    this.name = 'ThreadCountError';
  }
}
