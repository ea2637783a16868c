/** A .npy file this project cannot read (bad magic, header, dtype, order or length). */
export class NpyFormatError extends Error {
  override readonly name = 'NpyFormatError';

  constructor(
    readonly problem: string,
    readonly source = '.npy data',
  ) {
    super(`${source}: ${problem}`);
  }
}
