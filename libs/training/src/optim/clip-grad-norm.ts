/**
 * Scales the gradients in place so that their global L2 norm is at most `maxNorm`, with the
 * epsilon PyTorch's `clip_grad_norm_` uses. Returns the norm before clipping.
 */
export function clipGradNorm(grads: ReadonlyMap<string, Float32Array>, maxNorm: number): number {
  let sumSq = 0;
  for (const g of grads.values()) {
    for (const v of g) sumSq += v * v;
  }
  const norm = Math.sqrt(sumSq);
  const coef = maxNorm / (norm + 1e-6);
  if (coef < 1) {
    for (const g of grads.values()) {
      for (let i = 0; i < g.length; i++) g[i] *= coef;
    }
  }
  return norm;
}
