/** The requested architecture name is not one of the official variants. */
export class UnknownArchError extends Error {
  override readonly name = 'UnknownArchError';

  constructor(
    readonly requested: string,
    readonly validNames: readonly string[],
  ) {
    super(
      `unknown architecture "${requested}": use one of ${validNames.join(', ')} (the "RepVGG-" prefix is optional) or --arch-file with a custom JSON`,
    );
  }
}

/** A custom architecture JSON is malformed; `field` names the offending entry. */
export class InvalidArchSpecError extends Error {
  override readonly name = 'InvalidArchSpecError';

  constructor(
    readonly source: string,
    readonly field: string,
    problem: string,
  ) {
    super(`invalid architecture ${source}: ${field} ${problem}`);
  }
}
