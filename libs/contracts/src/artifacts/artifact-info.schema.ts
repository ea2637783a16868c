import { z } from 'zod';

/** One file of a job in `GET /v1/jobs/:id/artifacts`; `sha256` is also the download's ETag. */
export const artifactInfoSchema = z.object({
  /** Path relative to the job's folder, `/`-separated (e.g. `bundle/model.onnx`). */
  name: z.string(),
  size: z.number().int(),
  sha256: z.string(),
  modifiedAt: z.iso.datetime(),
});
export type ArtifactInfoView = z.infer<typeof artifactInfoSchema>;
