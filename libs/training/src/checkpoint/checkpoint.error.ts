export class CheckpointError extends Error {
  constructor(
    readonly path: string,
    problem: string,
  ) {
    super(`checkpoint ${path}: ${problem}`);
    this.name = 'CheckpointError';
  }
}
