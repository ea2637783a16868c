import type { Architecture } from '@repvgg/core';

/**
 * Values per channel that each BatchNorm averages over for one sample (H·W of the block's output),
 * keyed by BN prefix. Needed for PyTorch's unbiased running variance `var·n/(n−1)`.
 */
export function bnSpatialSizes(
  arch: Architecture,
  height: number,
  width: number,
): Map<string, number> {
  const sizes = new Map<string, number>();
  let h = height;
  let w = width;
  for (const block of arch.blocks) {
    // 3×3, padding 1 and the 1×1, padding 0 give the same output size at stride 1 and 2
    h = Math.floor((h - 1) / block.stride) + 1;
    w = Math.floor((w - 1) / block.stride) + 1;
    sizes.set(`${block.prefix}.rbr_dense.bn`, h * w);
    sizes.set(`${block.prefix}.rbr_1x1.bn`, h * w);
    if (block.hasIdentity) sizes.set(`${block.prefix}.rbr_identity`, h * w);
  }
  return sizes;
}
