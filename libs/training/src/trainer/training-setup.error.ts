/** Flags that cannot work together, or a checkpoint that belongs to another run. */
export class TrainingSetupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TrainingSetupError';
  }
}
