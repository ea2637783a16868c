import { describe, expect, it } from 'vitest';
import { resizeCenterCrop } from './center-crop';

describe('resizeCenterCrop', () => {
  it('resizes 500×375 so the short side is 256 and crops the centred 224', () => {
    expect(resizeCenterCrop(500, 375, 224)).toEqual({
      kind: 'resize-crop',
      width: 341,
      height: 256,
      box: { left: 58, top: 16, width: 224, height: 224 },
    });
  });

  it('handles portrait images and small sizes (⌊32/0.875⌋ = 36)', () => {
    expect(resizeCenterCrop(300, 600, 32)).toEqual({
      kind: 'resize-crop',
      width: 36,
      height: 72,
      box: { left: 2, top: 20, width: 32, height: 32 },
    });
  });
});
