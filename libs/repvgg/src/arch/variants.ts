import type { ArchSpec } from './arch-spec';

/** Layers 2, 4, …, 26 take groups in the g2/g4 variants (official `optional_groupwise_layers`). */
const GROUPWISE_LAYERS = Array.from({ length: 13 }, (_, i) => 2 + 2 * i);
const groupsMap = (g: number): Record<number, number> =>
  Object.fromEntries(GROUPWISE_LAYERS.map((l) => [l, g]));

type VariantShape = Pick<ArchSpec, 'numBlocks' | 'widthMultiplier' | 'overrideGroupsMap'>;

const A = [2, 4, 14, 1] as const;
const B = [4, 6, 16, 1] as const;
const v = (
  numBlocks: readonly [number, number, number, number],
  a: number,
  b: number,
  g = 1,
): VariantShape => ({
  numBlocks,
  widthMultiplier: [a, a, a, b],
  overrideGroupsMap: g === 1 ? {} : groupsMap(g),
});

/** The 13 official variants (DingXiaoH/RepVGG `func_dict`). */
export const OFFICIAL_VARIANTS: Readonly<Record<string, VariantShape>> = {
  'RepVGG-A0': v(A, 0.75, 2.5),
  'RepVGG-A1': v(A, 1, 2.5),
  'RepVGG-A2': v(A, 1.5, 2.75),
  'RepVGG-B0': v(B, 1, 2.5),
  'RepVGG-B1': v(B, 2, 4),
  'RepVGG-B1g2': v(B, 2, 4, 2),
  'RepVGG-B1g4': v(B, 2, 4, 4),
  'RepVGG-B2': v(B, 2.5, 5),
  'RepVGG-B2g2': v(B, 2.5, 5, 2),
  'RepVGG-B2g4': v(B, 2.5, 5, 4),
  'RepVGG-B3': v(B, 3, 5),
  'RepVGG-B3g2': v(B, 3, 5, 2),
  'RepVGG-B3g4': v(B, 3, 5, 4),
};
