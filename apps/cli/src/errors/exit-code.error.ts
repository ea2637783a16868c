/**
 * Exit codes of `repvgg` (README, "Exit codes"). 1: something failed — a job ended failed or
 * cancelled, a download failed verification, the coordinator answered 5xx, or a bug.
 */
export const EXIT_FAILURE = 1;
/** Usage errors: bad flags or input, and the coordinator's 400, 401, 403, 404 and 409 answers. */
export const EXIT_USAGE = 2;
/** No answer from the coordinator (connection refused or reset, unknown host, timeout). */
export const EXIT_UNREACHABLE = 3;

/**
 * A failure that is not the user's input but has its own exit code. The message reads
 * `<what happened>; <what to do>` and is printed as one line.
 */
export class ExitCodeError extends Error {
  constructor(
    problem: string,
    remedy: string,
    readonly exitCode: number,
  ) {
    super(`${problem}; ${remedy}`);
    this.name = new.target.name;
  }
}
