/** How closely an exported model reproduces the reference (multi-branch) logits. */
export interface EquivalenceResult {
  readonly maxAbsDiff: number;
  /** max|y| of the reference logits. */
  readonly maxAbs: number;
  /** maxAbsDiff / maxAbs (0 when both are 0). */
  readonly relative: number;
  readonly bound: number;
  readonly pass: boolean;
}

/**
 * docs/reference.md's tolerance: max|Δ| ≤ 1e-5·max|y|, or 1e-4 absolute — the absolute floor keeps
 * float32 rounding on near-zero logits (a freshly initialized model) from failing a correct export.
 */
export const RELATIVE_TOLERANCE = 1e-5;
export const ABSOLUTE_TOLERANCE = 1e-4;

export function compareLogits(
  reference: ArrayLike<number>,
  candidate: ArrayLike<number>,
): EquivalenceResult {
  if (reference.length !== candidate.length) {
    throw new RangeError(
      `cannot compare ${reference.length} reference logits with ${candidate.length} exported ones`,
    );
  }
  let maxAbsDiff = 0;
  let maxAbs = 0;
  for (let i = 0; i < reference.length; i++) {
    const r = reference[i] ?? 0;
    const d = Math.abs(r - (candidate[i] ?? 0));
    // NaN must fail, and Math.max propagates it where a `>` comparison would skip it.
    maxAbsDiff = Math.max(maxAbsDiff, d);
    maxAbs = Math.max(maxAbs, Math.abs(r));
  }
  const bound = Math.max(RELATIVE_TOLERANCE * maxAbs, ABSOLUTE_TOLERANCE);
  return {
    maxAbsDiff,
    maxAbs,
    relative: maxAbs === 0 ? (maxAbsDiff === 0 ? 0 : Infinity) : maxAbsDiff / maxAbs,
    bound,
    pass: maxAbsDiff <= bound,
  };
}
