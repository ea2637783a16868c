import { describe, expect, it } from 'vitest';
import { jobSpecSchema } from './job-spec.schema';

const dataset = { source: 'idx', path: '/data/fashion' } as const;

describe('jobSpecSchema wire', () => {
  it('is fp32 unless asked, fp16 in fast mode', () => {
    expect(jobSpecSchema.parse({ dataset }).wire).toBe('fp32');
    expect(jobSpecSchema.parse({ dataset, wire: 'fp16' })).toMatchObject({
      mode: 'fast',
      wire: 'fp16',
    });
  });

  it('refuses fp16 with deterministic mode, and any other format', () => {
    const deterministic = jobSpecSchema.safeParse({ dataset, mode: 'deterministic', wire: 'fp16' });
    expect(deterministic.success).toBe(false);
    const issue = deterministic.error?.issues[0];
    expect([deterministic.error?.issues.length, issue?.path]).toEqual([1, ['wire']]);
    expect(issue?.message).toContain("'fast' only");
    expect(jobSpecSchema.safeParse({ dataset, mode: 'deterministic' }).success).toBe(true);
    expect(jobSpecSchema.safeParse({ dataset, wire: 'bf16' }).success).toBe(false);
  });
});
