import { expect } from 'vitest';
import { z } from 'zod';
import { runCli } from './cli-harness';

export const evaluationSchema = z.object({
  top1: z.number(),
  top5: z.number(),
  loss: z.number(),
  images: z.number(),
  split: z.string(),
});

export const reportMetricsSchema = z.object({
  metrics: z.object({ top1: z.number(), top5: z.number(), loss: z.number() }),
  preprocessing: z.object({ resize: z.number(), cropSize: z.number() }),
});

/** `repvgg evaluate --json` of `bundle` on the IDX dataset at `data` (cpu backend, as trained). */
export function evaluateBundle(bundle: string, data: string): z.output<typeof evaluationSchema> {
  const r = runCli(['--backend', 'cpu', 'evaluate', '--model', bundle, '--data', data, '--json']);
  expect(r.code, r.stderr).toBe(0);
  return evaluationSchema.parse(JSON.parse(r.stdout));
}
