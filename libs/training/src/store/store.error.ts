/** A path handed to the artifact store that is not a relative path inside it. */
export class StorePathError extends Error {
  override readonly name = 'StorePathError';
  constructor(path: string) {
    super(
      `${JSON.stringify(path)} is not a path inside the artifact store: use a relative path such as jobs/<id>/final-checkpoint`,
    );
  }
}
