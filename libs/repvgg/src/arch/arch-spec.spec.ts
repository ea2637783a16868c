import { describe, expect, it } from 'vitest';
import { expandArch } from './arch-spec';
import { OFFICIAL_VARIANTS } from './variants';

describe('expandArch', () => {
  it('gives RepVGG-A0 the official widths and identity branches', () => {
    const arch = expandArch({
      name: 'RepVGG-A0',
      numClasses: 1000,
      ...OFFICIAL_VARIANTS['RepVGG-A0'],
    });
    expect(
      arch.blocks.map((b) => b.outChannels).filter((_, i, a) => i === 0 || a[i - 1] !== a[i]),
    ).toEqual([48, 96, 192, 1280]);
    expect(arch.blocks).toHaveLength(22);
    expect(arch.blocks.filter((b) => b.hasIdentity).map((b) => b.prefix)).not.toContain('stage1.0');
    expect(arch.blocks.find((b) => b.prefix === 'stage1.1')?.hasIdentity).toBe(true);
    expect(arch.head.inFeatures).toBe(1280);
  });
});
