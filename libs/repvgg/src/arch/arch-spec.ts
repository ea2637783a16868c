/**
 * A RepVGG architecture described the way the official constructor (`RepVGG(num_blocks,
 * num_classes, width_multiplier, override_groups_map)`) describes it.
 */
export interface ArchSpec {
  /** `RepVGG-A0` … for official variants, `custom` (or the file name) otherwise. */
  readonly name: string;
  /** Blocks in stages 1–4 (stage0 is always one block). */
  readonly numBlocks: readonly [number, number, number, number];
  /** Width multipliers of stages 1–4; stage0 uses `min(64, int(64·m[0]))`. */
  readonly widthMultiplier: readonly [number, number, number, number];
  /** Groups per layer, keyed by the official layer index (1 = `stage1.0`, stage0 not counted). */
  readonly overrideGroupsMap: Readonly<Record<number, number>>;
  readonly numClasses: number;
}

/** One training-time block: 3×3 conv+BN, 1×1 conv+BN, optional identity BN, summed, ReLU. */
export interface BlockSpec {
  /** Official state-dict prefix: `stage0` or `stage<S>.<i>`. */
  readonly prefix: string;
  readonly stage: number;
  readonly index: number;
  readonly inChannels: number;
  readonly outChannels: number;
  readonly stride: 1 | 2;
  readonly groups: number;
  /** Identity BN branch exists only when inChannels == outChannels and stride == 1. */
  readonly hasIdentity: boolean;
}

export interface Architecture {
  readonly spec: ArchSpec;
  readonly inputChannels: number;
  readonly blocks: readonly BlockSpec[];
  readonly head: { readonly inFeatures: number; readonly numClasses: number };
}

const STAGE_BASE_WIDTHS = [64, 128, 256, 512] as const;

/** Expands a spec into its blocks exactly as the official `_make_stage` loop does. */
export function expandArch(spec: ArchSpec, inputChannels = 3): Architecture {
  const blocks: BlockSpec[] = [];
  let inPlanes = Math.min(64, Math.trunc(64 * spec.widthMultiplier[0]));
  blocks.push({
    prefix: 'stage0',
    stage: 0,
    index: 0,
    inChannels: inputChannels,
    outChannels: inPlanes,
    stride: 2,
    groups: 1,
    hasIdentity: false,
  });
  let layerIdx = 1;
  for (let s = 0; s < 4; s++) {
    const planes = Math.trunc(STAGE_BASE_WIDTHS[s] * spec.widthMultiplier[s]);
    for (let i = 0; i < spec.numBlocks[s]; i++) {
      const stride = i === 0 ? 2 : 1;
      const groups = spec.overrideGroupsMap[layerIdx] ?? 1;
      blocks.push({
        prefix: `stage${s + 1}.${i}`,
        stage: s + 1,
        index: i,
        inChannels: inPlanes,
        outChannels: planes,
        stride,
        groups,
        hasIdentity: inPlanes === planes && stride === 1,
      });
      inPlanes = planes;
      layerIdx++;
    }
  }
  return {
    spec,
    inputChannels,
    blocks,
    head: { inFeatures: inPlanes, numClasses: spec.numClasses },
  };
}
