import { describe, expect, it } from 'vitest';
import { archForClasses } from './arch-for-classes';
import { InvalidArchSpecError } from './arch.error';

const CUSTOM = { numBlocks: [1, 1, 1, 1], widthMultiplier: [0.25, 0.25, 0.25, 0.25] };

describe('archForClasses', () => {
  it('sizes an official variant for the dataset', () => {
    const arch = archForClasses('A0', 10);
    expect(arch.spec.name).toBe('RepVGG-A0');
    expect(arch.head).toEqual({ inFeatures: 1280, numClasses: 10 });
  });

  it('fills a custom spec with the dataset class count', () => {
    const arch = archForClasses(CUSTOM, 3);
    expect(arch.blocks.map((b) => b.outChannels)).toEqual([16, 16, 32, 64, 128]);
    expect(arch.head.numClasses).toBe(3);
    expect(archForClasses({ ...CUSTOM, numClasses: 3 }, 3).head.numClasses).toBe(3);
  });

  it('refuses a custom spec whose class count disagrees with the dataset', () => {
    expect(() => archForClasses({ ...CUSTOM, numClasses: 5 }, 3)).toThrow(InvalidArchSpecError);
    expect(() => archForClasses({ ...CUSTOM, numClasses: 5 }, 3)).toThrow(/numClasses.*3 classes/);
  });
});
