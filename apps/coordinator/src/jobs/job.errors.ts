export class JobNotFoundError extends Error {
  override readonly name = 'JobNotFoundError';
  constructor(id: string) {
    super(`no job ${id}: list jobs with GET /v1/jobs`);
  }
}

export class JobFinishedError extends Error {
  override readonly name = 'JobFinishedError';
  constructor(id: string, state: string) {
    super(`job ${id} is already ${state}: only a queued or running job can be cancelled`);
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
