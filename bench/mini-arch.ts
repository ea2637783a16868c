import { expandArch } from '@repvgg/core/arch/arch-spec';

/** The benches' mini RepVGG: one block a stage, widths 16/32/64/128 (× 0.25), ten classes. */
export const MINI_ARCH = expandArch({
  name: 'mini [1,1,1,1] widths 16/32/64/128',
  numBlocks: [1, 1, 1, 1],
  widthMultiplier: [0.25, 0.25, 0.25, 0.25],
  overrideGroupsMap: {},
  numClasses: 10,
});
