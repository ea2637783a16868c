/**
 * Whether a trainable tensor takes weight decay, as the official `sgd_optimizer` decides: no decay
 * for any key containing `bias` or `bn` — so the γ/β of the 3×3 and 1×1 branch BatchNorms and every
 * bias are exempt, while the identity branch's γ (`rbr_identity.weight`, no `bn` in its name) keeps it.
 */
export function takesWeightDecay(key: string): boolean {
  return !key.includes('bias') && !key.includes('bn');
}
