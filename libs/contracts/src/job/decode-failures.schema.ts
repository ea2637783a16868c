import { z } from 'zod';

/** A training or validation sample a worker could not read or decode. */
export const decodeFailureSampleSchema = z.object({
  /** The sample as its data source names it: an image folder's file path relative to the dataset. */
  sample: z.string(),
  reason: z.string(),
});
export type DecodeFailureSample = z.infer<typeof decodeFailureSampleSchema>;

/** How many of the latest failed samples a job record keeps. */
export const DECODE_FAILURES_RECENT = 10;

/**
 * Decode failures the job's workers reported: `count` counts failed decodes (a broken file is counted
 * each time a worker reads it, e.g. once per epoch); `recent` holds the latest distinct samples.
 */
export const decodeFailuresSchema = z.object({
  count: z.number().int().min(0),
  recent: z.array(decodeFailureSampleSchema).max(DECODE_FAILURES_RECENT),
});
export type DecodeFailuresSummary = z.infer<typeof decodeFailuresSchema>;

export const noDecodeFailures = (): DecodeFailuresSummary => ({ count: 0, recent: [] });
