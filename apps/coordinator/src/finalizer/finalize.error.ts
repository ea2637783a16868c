/** The job's training output cannot be turned into a deploy bundle; the message is the job's failure reason. */
export class FinalizeError extends Error {
  override readonly name = 'FinalizeError';
}
