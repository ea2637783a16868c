import { f32, type StateDict } from '../tensor/host-tensor';
import { Rng } from '../tensor/rng';

/**
 * A copy of a training state dict whose BatchNorms carry docs/reference.md's wide random statistics
 * (μ~N(0,0.5), σ²~U(0.2,3), γ~U(0.2,1.5), β~N(0,0.5)), so that an equivalence test exercises
 * every term of the BN folding instead of the identity BN of a fresh init.
 */
export function withWideBnStats(sd: StateDict, seed: number): StateDict {
  const rng = new Rng(seed);
  const draws: readonly (readonly [string, () => number])[] = [
    ['running_mean', () => rng.normal(0, 0.5)],
    ['running_var', () => rng.uniform(0.2, 3)],
    ['weight', () => rng.uniform(0.2, 1.5)],
    ['bias', () => rng.normal(0, 0.5)],
  ];
  const out: StateDict = new Map(sd);
  for (const [key, t] of sd) {
    if (!key.endsWith('.running_mean')) continue;
    const prefix = key.slice(0, -'.running_mean'.length);
    const n = t.shape[0] ?? 0;
    for (const [field, draw] of draws) {
      out.set(`${prefix}.${field}`, f32([n], Float32Array.from({ length: n }, draw)));
    }
  }
  return out;
}

/** A deterministic NHWC batch in [-1, 1). */
export function randomImages(shape: [number, number, number, number], seed: number): Float32Array {
  const rng = new Rng(seed);
  return Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => rng.uniform(-1, 1));
}

/** max|a − b| and max|b|, for tolerances relative to the output's scale. */
export function maxAbsDiff(
  a: ArrayLike<number>,
  b: ArrayLike<number>,
): { diff: number; scale: number } {
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < b.length; i++) {
    diff = Math.max(diff, Math.abs((a[i] ?? Number.NaN) - (b[i] ?? Number.NaN)));
    scale = Math.max(scale, Math.abs(b[i] ?? 0));
  }
  if (a.length !== b.length) diff = Number.POSITIVE_INFINITY;
  return { diff, scale };
}
