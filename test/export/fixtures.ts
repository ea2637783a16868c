import { expandArch, f32, type Architecture, type StateDict } from '@repvgg/core';
import { withWideBnStats } from '@repvgg/core/testing/wide-bn-stats';
import { Rng } from '@repvgg/core/tensor/rng';
import { initStateDict } from '@repvgg/core/weights/init';

/** Widths 16,16,32,64,128; every kind of block (stride 2, identity) and no groups. */
export const TINY: Architecture = expandArch({
  name: 'tiny',
  numBlocks: [2, 2, 1, 1],
  widthMultiplier: [0.25, 0.25, 0.25, 0.25],
  overrideGroupsMap: {},
  numClasses: 5,
});

/** As TINY, with groups 2 on stage1.1 and 4 on stage2.1 (official layer indices 2 and 4). */
export const TINY_GROUPED: Architecture = expandArch({
  name: 'tiny-g',
  numBlocks: [2, 2, 1, 1],
  widthMultiplier: [0.25, 0.25, 0.25, 0.25],
  overrideGroupsMap: { 2: 2, 4: 4 },
  numClasses: 5,
});

/** A 1280-wide last stage: its 3×3 kernel alone (5.9 MB) is larger than one 4 MiB shard. */
export const WIDE_HEAD: Architecture = expandArch({
  name: 'wide-head',
  numBlocks: [1, 1, 1, 1],
  widthMultiplier: [0.25, 0.25, 0.5, 2.5],
  overrideGroupsMap: {},
  numClasses: 10,
});

const fill = (shape: number[], draw: () => number): Float32Array =>
  Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, draw);

/** Random fused weights with U(±1/√fan_in) kernels and N(0, 0.5) biases. */
export function randomDeployStateDict(arch: Architecture, seed: number): StateDict {
  const rng = new Rng(seed);
  const sd: StateDict = new Map();
  for (const b of arch.blocks) {
    const cinPerGroup = b.inChannels / b.groups;
    const bound = 1 / Math.sqrt(cinPerGroup * 9);
    const wShape = [b.outChannels, cinPerGroup, 3, 3];
    sd.set(
      `${b.prefix}.rbr_reparam.weight`,
      f32(
        wShape,
        fill(wShape, () => rng.uniform(-bound, bound)),
      ),
    );
    sd.set(
      `${b.prefix}.rbr_reparam.bias`,
      f32(
        [b.outChannels],
        fill([b.outChannels], () => rng.normal(0, 0.5)),
      ),
    );
  }
  return withLinear(sd, arch, rng);
}

function withLinear(sd: StateDict, arch: Architecture, rng: Rng): StateDict {
  const { inFeatures, numClasses } = arch.head;
  const bound = 1 / Math.sqrt(inFeatures);
  sd.set(
    'linear.weight',
    f32(
      [numClasses, inFeatures],
      fill([numClasses, inFeatures], () => rng.uniform(-bound, bound)),
    ),
  );
  sd.set(
    'linear.bias',
    f32(
      [numClasses],
      fill([numClasses], () => rng.uniform(-bound, bound)),
    ),
  );
  return sd;
}

/**
 * Training weights with the wide random BN statistics of docs/reference.md, so that a wrong fusion
 * cannot hide behind identity-like BNs.
 */
export function wideRandomTrainStateDict(arch: Architecture, seed: number): StateDict {
  return withWideBnStats(initStateDict(arch, seed), seed + 1);
}

/** A seeded N(0,1) batch, NCHW. */
export function randomNchw(
  shape: readonly [number, number, number, number],
  seed: number,
): { shape: [number, number, number, number]; data: Float32Array } {
  const rng = new Rng(seed);
  return { shape: [...shape], data: fill([...shape], () => rng.normal()) };
}
