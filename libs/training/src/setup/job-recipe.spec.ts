import { describe, expect, it } from 'vitest';
import { jobSpecSchema } from '@repvgg/contracts';
import { recipeFromJobSpec } from './job-recipe';

describe('recipeFromJobSpec', () => {
  const dataset = { source: 'idx', path: '/data/fashion' } as const;

  it("takes the job spec's label smoothing and random erasing, the preset's crop and flip", () => {
    const spec = jobSpecSchema.parse({
      dataset,
      imageSize: 28,
      labelSmoothing: 0.1,
      randomErasing: 0.5,
    });
    expect(recipeFromJobSpec(spec)).toMatchObject({
      labelSmoothing: 0.1,
      randomErasing: 0.5,
      padding: 2,
      flipProbability: 0.5,
    });
  });

  it('erases nothing unless the spec asks', () => {
    expect(recipeFromJobSpec(jobSpecSchema.parse({ dataset })).randomErasing).toBe(0);
  });
});
