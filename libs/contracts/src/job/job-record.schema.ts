import { z } from 'zod';
import { decodeFailuresSchema, noDecodeFailures } from './decode-failures.schema';
import { jobSpecSchema } from './job-spec.schema';
import { jobStateSchema, stateTransitionSchema } from './job-state';

/** A step's sample digest: count:sum:xor:mix, 8 hex digits each (libs/training sample-digest.ts). */
export const samplesDigestSchema = z.string().regex(/^[0-9a-f]{8}(:[0-9a-f]{8}){3}$/);

/** The leader's report of one committed optimizer step. */
export const stepMetricsSchema = z.object({
  epoch: z.number().int().min(0),
  step: z.number().int().min(0),
  loss: z.number(),
  lr: z.number(),
  images: z.number().int().min(0),
  seconds: z.number().min(0),
  allreduceSeconds: z.number().min(0),
  workers: z.number().int().min(0),
  at: z.iso.datetime(),
  /** The generation whose leader committed the step; absent on older steps. */
  generation: z.number().int().min(0).optional(),
  /** Digest of the sample indices the step consumed over all replicas; absent on older steps. */
  samplesDigest: samplesDigestSchema.optional(),
  /**
   * The leader's step time split (apps/worker step-split.ts): awaiting decoded batches, the
   * replicas' gradients, applying the update, and the previous step's commit; absent on older steps.
   */
  dataWaitSeconds: z.number().min(0).optional(),
  computeSeconds: z.number().min(0).optional(),
  applySeconds: z.number().min(0).optional(),
  commitSeconds: z.number().min(0).optional(),
});
export type StepMetrics = z.infer<typeof stepMetricsSchema>;

export const epochResultSchema = z.object({
  epoch: z.number().int().min(0),
  valLoss: z.number(),
  top1: z.number().min(0).max(1),
  top5: z.number().min(0).max(1),
  imagesPerSecond: z.number().min(0),
  at: z.iso.datetime(),
});
export type EpochResult = z.infer<typeof epochResultSchema>;

export const datasetManifestSummarySchema = z.object({
  hash: z.string(),
  classes: z.array(z.string()),
  trainSamples: z.number().int().min(0),
  valSamples: z.number().int().min(0),
});
export type DatasetManifestSummary = z.infer<typeof datasetManifestSummarySchema>;

export const jobProgressSchema = z.object({
  /** Epoch being trained (0-based); equals spec.epochs once training is over. */
  epoch: z.number().int().min(0),
  stepsPerEpoch: z.number().int().min(0),
  /** Steps of the current epoch whose update every replica has applied. */
  committedSteps: z.number().int().min(0),
  totalSteps: z.number().int().min(0),
  completedSteps: z.number().int().min(0),
});
export type JobProgress = z.infer<typeof jobProgressSchema>;

export const jobRecordSchema = z.object({
  id: z.string(),
  spec: jobSpecSchema,
  state: jobStateSchema,
  reason: z.string(),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
  dataset: datasetManifestSummarySchema.nullable(),
  progress: jobProgressSchema,
  latestMetrics: stepMetricsSchema.nullable(),
  epochResults: z.array(epochResultSchema),
  generation: z.number().int().min(0),
  workers: z.array(z.string()),
  /** Distinct worker counts over time, for the bundle's provenance. */
  workerHistory: z.array(z.object({ generation: z.number().int(), workers: z.number().int() })),
  latestCheckpoint: z.string().nullable(),
  /** Samples the workers could not decode (records stored before this field read as none). */
  decodeFailures: decodeFailuresSchema.default(noDecodeFailures),
});
export type JobRecord = z.infer<typeof jobRecordSchema>;

/** `GET /v1/jobs/:id`: the record, its transitions and an ETA. */
export const jobViewSchema = jobRecordSchema.extend({
  transitions: z.array(stateTransitionSchema),
  etaSeconds: z.number().nullable(),
});
export type JobView = z.infer<typeof jobViewSchema>;
