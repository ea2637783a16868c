import { describe, expect, it } from 'vitest';
import { resizeCropGeometry, roundHalfEven } from './resize-crop.geometry';

describe('roundHalfEven', () => {
  it('rounds halves to even like Python', () => {
    expect([0.5, 1.5, 2.5, 3.5, -0.5, 2.4, 2.6].map(roundHalfEven)).toEqual([0, 2, 2, 4, -0, 2, 3]);
  });
});

describe('resizeCropGeometry', () => {
  it('matches torchvision Resize(256) + CenterCrop(224) on a 500x375 landscape image', () => {
    // torchvision: short side 375 → 256, long int(256·500/375) = 341; left round(117/2) = 58, top 16.
    expect(resizeCropGeometry(500, 375, 256, 224)).toEqual({
      resizedWidth: 341,
      resizedHeight: 256,
      left: 58,
      top: 16,
      crop: 224,
    });
  });

  it('handles portrait and square images', () => {
    expect(resizeCropGeometry(300, 451, 36, 32)).toMatchObject({
      resizedWidth: 36,
      resizedHeight: 54,
      left: 2,
      top: 11,
    });
    expect(resizeCropGeometry(64, 64, 32, 32)).toMatchObject({
      resizedWidth: 32,
      resizedHeight: 32,
      left: 0,
      top: 0,
    });
  });

  it('refuses a crop larger than the resized image', () => {
    expect(() => resizeCropGeometry(100, 100, 28, 32)).toThrow(RangeError);
  });
});
