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
