import { describe, expect, it } from 'vitest';
import { reparameterize } from '../reparam/reparameterize';
import type { StateDict } from '../tensor/host-tensor';
import { initStateDict } from '../weights/init';
import { countMacs, countParams } from './cost';
import { parseArchSpecJson, resolveArch } from './resolve-arch';
import { expandArch } from './arch-spec';

/** docs/reference.md: train params, deploy params, deploy MACs (G) at 224², 1000 classes. */
const TABLE: readonly [string, number, number, number][] = [
  ['A0', 9_108_968, 8_309_384, 1.3615],
  ['A1', 14_092_264, 12_789_864, 2.364],
  ['A2', 28_210_600, 25_499_944, 5.117],
  ['B0', 15_817_960, 14_339_048, 3.0576],
  ['B1', 57_415_016, 51_829_480, 11.8155],
  ['B1g2', 45_782_376, 41_360_104, 8.8097],
  ['B1g4', 39_966_056, 36_125_416, 7.3069],
  ['B2', 89_022_376, 80_315_112, 18.3766],
  ['B2g2', 70_846_376, 63_956_712, 13.6801],
  ['B2g4', 61_758_376, 55_777_512, 11.3319],
  ['B3', 123_085_288, 110_960_872, 26.2089],
  ['B3g2', 96_911_848, 87_404_776, 19.446],
  ['B3g4', 83_825_128, 75_626_728, 16.0645],
];

describe('countParams / countMacs on the official variants', () => {
  it.each(TABLE)('RepVGG-%s matches the reference table', (name, train, deploy, gmacs) => {
    const arch = resolveArch({ arch: name });
    expect(countParams(arch, 'train')).toBe(train);
    expect(countParams(arch, 'deploy')).toBe(deploy);
    const macs = countMacs(arch, 224, 'deploy');
    expect(Number.isInteger(macs)).toBe(true);
    expect(Math.round((macs / 1e9) * 1e4) / 1e4).toBe(gmacs);
  });

  it('counts the 1×1 branches in training MACs and scales with resolution', () => {
    const arch = resolveArch({ arch: 'A0' });
    const linear = 1280 * 1000;
    const deployConv = countMacs(arch, 224, 'deploy') - linear;
    expect(countMacs(arch, 224, 'train') - linear).toBe((deployConv * 10) / 9);
    // 32² → feature maps 16, 8, 4, 2, 1: exactly 1/49 of the 224² conv cost.
    expect(countMacs(arch, 32, 'deploy') - linear).toBe(deployConv / 49);
    expect(() => countMacs(arch, 0, 'deploy')).toThrow(RangeError);
  });
});

function floatElements(sd: StateDict, skip: (key: string) => boolean): number {
  let n = 0;
  for (const [key, t] of sd) if (t.dtype === 'float32' && !skip(key)) n += t.data.length;
  return n;
}

const isRunningStat = (k: string): boolean =>
  k.endsWith('.running_mean') || k.endsWith('.running_var');

describe('counts agree with built state dicts', () => {
  const customs = [
    { numBlocks: [1, 2, 2, 1], widthMultiplier: [0.125, 0.125, 0.125, 0.125], numClasses: 7 },
    {
      numBlocks: [2, 3, 3, 1],
      widthMultiplier: [0.25, 0.25, 0.125, 0.25],
      overrideGroupsMap: { '2': 2, '4': 4, '5': 2 },
      numClasses: 10,
    },
    { numBlocks: [1, 1, 1, 1], widthMultiplier: [1.5, 0.5, 0.25, 0.125], numClasses: 3 },
  ];
  it.each(customs.map((c, i) => [i, c] as const))('custom architecture #%i', (_, json) => {
    const arch = expandArch(parseArchSpecJson(JSON.stringify(json), 'custom'));
    const train = initStateDict(arch, 1);
    expect(countParams(arch, 'train')).toBe(floatElements(train, isRunningStat));
    expect(countParams(arch, 'deploy')).toBe(
      floatElements(reparameterize(arch, train), () => false),
    );
  });

  it('grouping a layer removes exactly (1 − 1/g) of its 3×3 and 1×1 weights', () => {
    const plain = { numBlocks: [2, 2, 2, 1], widthMultiplier: [0.25, 0.25, 0.25, 0.25] };
    const grouped = { ...plain, overrideGroupsMap: { '2': 4 } };
    const a = expandArch(parseArchSpecJson(JSON.stringify(plain), 'plain'));
    const b = expandArch(parseArchSpecJson(JSON.stringify(grouped), 'grouped'));
    const layer = b.blocks[2];
    expect([layer.prefix, layer.groups, layer.inChannels, layer.outChannels]).toEqual([
      'stage1.1',
      4,
      16,
      16,
    ]);
    const saved = 16 * 16 * (1 - 1 / 4);
    expect(countParams(a, 'train') - countParams(b, 'train')).toBe(saved * 10);
    expect(countParams(a, 'deploy') - countParams(b, 'deploy')).toBe(saved * 9);
  });
});
