import type { Architecture, BlockSpec } from './arch-spec';

export type ModelKind = 'train' | 'deploy';

/**
 * Trainable parameters: every conv kernel, BN γ/β and the linear layer; running statistics are
 * buffers and do not count (the convention of docs/reference.md's table and the paper).
 */
export function countParams(arch: Architecture, kind: ModelKind): number {
  let total = arch.head.inFeatures * arch.head.numClasses + arch.head.numClasses;
  for (const b of arch.blocks) {
    const perOut = b.outChannels * (b.inChannels / b.groups);
    if (kind === 'deploy') {
      total += perOut * 9 + b.outChannels;
    } else {
      total += perOut * 9 + 2 * b.outChannels + perOut + 2 * b.outChannels;
      if (b.hasIdentity) total += 2 * b.inChannels;
    }
  }
  return total;
}

/** Spatial size after a conv with kernel k, padding p (PyTorch floor convention). */
function outSize(size: number, k: number, pad: number, stride: number): number {
  return Math.floor((size + 2 * pad - k) / stride) + 1;
}

/**
 * Multiply-accumulates of one image at `resolution`²: Σ Hout·Wout·Cout·(Cin/g)·k² over convs plus
 * in·out of the linear layer. Deploy counts the fused 3×3 convs; train adds the 1×1 branches
 * (BN and the identity branch are elementwise and not counted).
 */
export function countMacs(arch: Architecture, resolution: number, kind: ModelKind): number {
  if (!Number.isInteger(resolution) || resolution < 1) {
    throw new RangeError(`resolution must be a positive integer, got ${String(resolution)}`);
  }
  let size = resolution;
  let total = arch.head.inFeatures * arch.head.numClasses;
  for (const b of arch.blocks) {
    size = outSize(size, 3, 1, b.stride);
    total += blockMacs(b, size, kind);
  }
  return total;
}

function blockMacs(b: BlockSpec, outSizePx: number, kind: ModelKind): number {
  const perPixel = b.outChannels * (b.inChannels / b.groups);
  const pixels = outSizePx * outSizePx;
  return kind === 'deploy' ? pixels * perPixel * 9 : pixels * perPixel * 10;
}
