/** Bytes that are not a valid (or not a supported) safetensors file. */
export class SafetensorsFormatError extends Error {
  override readonly name = 'SafetensorsFormatError';

  constructor(
    readonly problem: string,
    readonly source = 'safetensors data',
  ) {
    super(`${source}: ${problem}`);
  }
}
