/** Bytes that are not a PyTorch checkpoint this reader supports (or not a safe one). */
export class PthFormatError extends Error {
  override readonly name = 'PthFormatError';

  constructor(
    readonly problem: string,
    readonly source = 'PyTorch checkpoint',
  ) {
    super(`${source}: ${problem}`);
  }
}
