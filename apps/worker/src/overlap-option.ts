/** REPVGG_OVERLAP that is none of the accepted spellings. */
export class OverlapOptionError extends Error {
  constructor(readonly value: string) {
    super(`REPVGG_OVERLAP="${value}" is neither on nor off (1/0, true/false also do)`);
    this.name = 'OverlapOptionError';
  }
}

/**
 * Whether a worker all-reduces gradient buckets while backward still computes (docs/compute.md):
 * REPVGG_OVERLAP, on unless it says off. Every worker of a job must agree.
 */
export function parseOverlap(value: string | undefined): boolean {
  if (value === undefined || value === '') return true;
  const v = value.toLowerCase();
  if (['on', '1', 'true'].includes(v)) return true;
  if (['off', '0', 'false'].includes(v)) return false;
  throw new OverlapOptionError(value);
}
