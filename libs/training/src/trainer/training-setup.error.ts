/** Flags that cannot work together, or a checkpoint that belongs to another run. */
export class TrainingSetupError extends Error {
  constructor(problem: string, remedy: string) {
    super(`${problem}; ${remedy}`);
    this.name = 'TrainingSetupError';
  }
}
