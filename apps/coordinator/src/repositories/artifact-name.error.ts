/** An artifact name that is malformed or points outside the job's folder. */
export class InvalidArtifactNameError extends Error {
  override readonly name = 'InvalidArtifactNameError';
  constructor(artifact: string) {
    super(
      `invalid artifact name ${JSON.stringify(artifact)}: use a name from GET /v1/jobs/:id/artifacts`,
    );
  }
}

export class ArtifactNotFoundError extends Error {
  override readonly name = 'ArtifactNotFoundError';
  constructor(artifact: string) {
    super(`no artifact ${JSON.stringify(artifact)}: list them with GET /v1/jobs/:id/artifacts`);
  }
}
