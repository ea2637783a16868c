import type { Architecture, BlockSpec } from '../arch/arch-spec';
import { f32, floatData, type StateDict } from '../tensor/host-tensor';
import { validateStateDict } from '../weights/state-dict-layout';

/** PyTorch BatchNorm2d's default eps, used by the official model. */
export const BN_EPS = 1e-5;

/** Kernel and bias of one fused branch, accumulated in float64 before the final float32 rounding. */
interface Fused {
  readonly kernel: Float64Array;
  readonly bias: Float64Array;
}

/**
 * Folds every training block (3×3 conv+BN, 1×1 conv+BN, identity BN) into one 3×3 conv with bias,
 * exactly as the official `get_equivalent_kernel_bias`: per branch t = γ/√(σ²+eps), K' = K·t,
 * b' = β − μ·t; the 1×1 kernel sits at the centre of the 3×3; the identity is the kernel with
 * `[i, i mod (Cin/g), 1, 1] = 1`. Uses the BN running statistics, so it is valid at any training
 * step. Pure: `trainSd` is validated (a `module.` prefix is accepted) and left untouched.
 */
export function reparameterize(arch: Architecture, trainSd: StateDict): StateDict {
  const sd = validateStateDict(arch, trainSd, 'train');
  const out: StateDict = new Map();
  for (const b of arch.blocks) {
    const fused = fuseBlock(b, sd);
    out.set(
      `${b.prefix}.rbr_reparam.weight`,
      f32([b.outChannels, b.inChannels / b.groups, 3, 3], Float32Array.from(fused.kernel)),
    );
    out.set(`${b.prefix}.rbr_reparam.bias`, f32([b.outChannels], Float32Array.from(fused.bias)));
  }
  for (const key of ['linear.weight', 'linear.bias']) {
    const t = sd.get(key);
    if (t?.dtype === 'float32') out.set(key, f32(t.shape, t.data.slice()));
  }
  return out;
}

function fuseBlock(b: BlockSpec, sd: StateDict): Fused {
  const cinPerGroup = b.inChannels / b.groups;
  const fused: Fused = {
    kernel: new Float64Array(b.outChannels * cinPerGroup * 9),
    bias: new Float64Array(b.outChannels),
  };
  const dense = bnScale(sd, `${b.prefix}.rbr_dense.bn`, fused.bias);
  const w3 = floatData(sd, `${b.prefix}.rbr_dense.conv.weight`);
  for (let o = 0; o < b.outChannels; o++) {
    const t = dense[o];
    for (let j = o * cinPerGroup * 9; j < (o + 1) * cinPerGroup * 9; j++) {
      fused.kernel[j] = w3[j] * t;
    }
  }
  const pointwise = bnScale(sd, `${b.prefix}.rbr_1x1.bn`, fused.bias);
  const w1 = floatData(sd, `${b.prefix}.rbr_1x1.conv.weight`);
  for (let o = 0; o < b.outChannels; o++) {
    const t = pointwise[o];
    for (let i = 0; i < cinPerGroup; i++) {
      const centre = (o * cinPerGroup + i) * 9 + 4;
      fused.kernel[centre] = fused.kernel[centre] + w1[o * cinPerGroup + i] * t;
    }
  }
  if (b.hasIdentity) {
    const identity = bnScale(sd, `${b.prefix}.rbr_identity`, fused.bias);
    for (let o = 0; o < b.outChannels; o++) {
      const centre = (o * cinPerGroup + (o % cinPerGroup)) * 9 + 4;
      fused.kernel[centre] = fused.kernel[centre] + identity[o];
    }
  }
  return fused;
}

/** Returns t = γ/√(σ²+eps) per channel and adds the branch's folded bias β − μ·t into `bias`. */
function bnScale(sd: StateDict, prefix: string, bias: Float64Array): Float64Array {
  const gamma = floatData(sd, `${prefix}.weight`);
  const beta = floatData(sd, `${prefix}.bias`);
  const mean = floatData(sd, `${prefix}.running_mean`);
  const variance = floatData(sd, `${prefix}.running_var`);
  const t = new Float64Array(gamma.length);
  for (let c = 0; c < gamma.length; c++) {
    t[c] = gamma[c] / Math.sqrt(variance[c] + BN_EPS);
    bias[c] = bias[c] + beta[c] - mean[c] * t[c];
  }
  return t;
}
