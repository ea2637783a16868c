import { describe, expect, it } from 'vitest';
import { jobSpecSchema } from '@repvgg/contracts/job/job-spec.schema';
import { defaultValues, issuesByField, specFromValues, type FormValues } from './spec-form';

describe('spec form', () => {
  it("fills the contract's defaults and sends a spec the contract accepts unchanged", () => {
    const values: FormValues = { ...defaultValues(), 'dataset.path': '/data/x' };
    expect(values.epochs).toBe('120');
    expect(values['optimizer.lr']).toBe('0.1');
    const { spec, issues } = specFromValues(values);
    expect(issues).toEqual([]);
    expect(jobSpecSchema.parse(spec)).toEqual(
      jobSpecSchema.parse({ dataset: { source: 'imagefolder', path: '/data/x' } }),
    );
  });

  it('keeps bad input for the coordinator to name, and files issues under their field', () => {
    const { spec, issues } = specFromValues({ globalBatch: 'ten', architecture: '{bad' });
    expect(spec).toEqual({ globalBatch: 'ten' });
    expect(issues).toEqual([{ path: 'architecture', message: 'is not valid JSON' }]);
    const grouped = issuesByField([
      { path: 'workers.max', message: 'too big' },
      { path: 'architecture.numBlocks.0', message: 'bad' },
      { path: 'nope', message: 'unknown' },
    ]);
    expect([...grouped.byField]).toEqual([
      ['workers.max', ['too big']],
      ['architecture', ['bad']],
    ]);
    expect(grouped.other).toEqual(['nope: unknown']);
  });
});
