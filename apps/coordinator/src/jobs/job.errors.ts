export class JobNotFoundError extends Error {
  override readonly name = 'JobNotFoundError';
  constructor(id: string) {
    super(`no job ${id}: list jobs with GET /v1/jobs`);
  }
}

/** The job's state does not allow the request (HTTP 409). */
export abstract class JobConflictError extends Error {}

export class JobFinishedError extends JobConflictError {
  override readonly name = 'JobFinishedError';
  constructor(id: string, state: string) {
    super(`job ${id} is already ${state}: only a queued or running job can be cancelled`);
  }
}

export class JobNotResumableError extends JobConflictError {
  override readonly name = 'JobNotResumableError';
  constructor(id: string, state: string) {
    super(`job ${id} is ${state}: only a failed or cancelled job can be resumed`);
  }
}

export class JobNotFinishedError extends JobConflictError {
  override readonly name = 'JobNotFinishedError';
  constructor(id: string, state: string) {
    super(`job ${id} is ${state}: cancel it first, only a finished job can be deleted`);
  }
}

/** The stopped job's last shards are still being released; a moment later the request works. */
export class JobStoppingError extends JobConflictError {
  override readonly name = 'JobStoppingError';
  constructor(id: string) {
    super(`job ${id} is still releasing its queued shards: try again in a few seconds`);
  }
}

export class ResumeCheckpointMissingError extends JobConflictError {
  override readonly name = 'ResumeCheckpointMissingError';
  constructor(id: string, checkpoint: string) {
    super(
      `job ${id} cannot be resumed: its latest checkpoint ${checkpoint} is not in the artifact store; submit it again`,
    );
  }
}

/** A request body or field that fails validation; `issues` name each bad field. */
export class InvalidRequestError extends Error {
  override readonly name = 'InvalidRequestError';
  constructor(
    message: string,
    readonly issues: readonly { readonly path: string; readonly message: string }[],
  ) {
    super(message);
  }
}

/** The spec's initialCheckpoint names no checkpoint folder or weights file in the artifact store. */
export class InitialCheckpointMissingError extends Error {
  override readonly name = 'InitialCheckpointMissingError';
  constructor(initial: string) {
    super(
      `initialCheckpoint ${initial} is not a checkpoint folder or weights file in the artifact store: list artifacts to find one`,
    );
  }
}

/** The dataset cannot fill a single global batch, so an epoch would have no step. */
export class DatasetTooSmallError extends Error {
  override readonly name = 'DatasetTooSmallError';
  constructor(trainSamples: number, globalBatch: number) {
    super(
      `the dataset has ${trainSamples} training images, fewer than one global batch of ${globalBatch}: lower globalBatch`,
    );
  }
}
