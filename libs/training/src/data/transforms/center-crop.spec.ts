import { describe, expect, it } from 'vitest';
import { resizeCenterCrop, resizeShortSideCenterCrop } from './center-crop';

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

describe('resizeShortSideCenterCrop', () => {
  it('matches torchvision Resize(256) + CenterCrop(224) on a 500×375 landscape image', () => {
    // torchvision: short side 375 → 256, long int(256·500/375) = 341; left round(117/2) = 58, top 16.
    expect(resizeShortSideCenterCrop(500, 375, 256, 224)).toEqual({
      kind: 'resize-crop',
      width: 341,
      height: 256,
      box: { left: 58, top: 16, width: 224, height: 224 },
    });
  });

  it('handles portrait images', () => {
    expect(resizeShortSideCenterCrop(300, 451, 36, 32)).toEqual({
      kind: 'resize-crop',
      width: 36,
      height: 54,
      box: { left: 2, top: 11, width: 32, height: 32 },
    });
  });

  it('takes the resize size as given rather than from a crop fraction', () => {
    // ⌊32/0.875⌋ would be 36: the sizes a bundle records need not follow the default fraction.
    expect(resizeShortSideCenterCrop(64, 64, 40, 32)).toEqual({
      kind: 'resize-crop',
      width: 40,
      height: 40,
      box: { left: 4, top: 4, width: 32, height: 32 },
    });
  });

  it('keeps a square image whole when resize and crop equal its side', () => {
    expect(resizeShortSideCenterCrop(64, 64, 32, 32)).toEqual({
      kind: 'resize-crop',
      width: 32,
      height: 32,
      box: { left: 0, top: 0, width: 32, height: 32 },
    });
  });

  it('refuses a crop larger than the resized image', () => {
    expect(() => resizeShortSideCenterCrop(100, 100, 28, 32)).toThrow(RangeError);
  });
});
