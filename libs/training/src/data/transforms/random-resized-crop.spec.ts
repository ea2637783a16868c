import { describe, expect, it } from 'vitest';
import { KeyedRng } from '../keyed-rng';
import { randomResizedCropBox, roundHalfEven } from './random-resized-crop';

describe('roundHalfEven', () => {
  it('rounds halves to even as Python does', () => {
    expect([0.5, 1.5, 2.5, -0.5, -1.5, 2.4, 2.6].map(roundHalfEven)).toEqual([
      0, 2, 2, -0, -2, 2, 3,
    ]);
  });
});

describe('randomResizedCropBox', () => {
  it('keeps every crop inside the image with area in [0.08, 1] and ratio in [3/4, 4/3] (up to rounding)', () => {
    for (let i = 0; i < 2000; i++) {
      const box = randomResizedCropBox(500, 375, new KeyedRng(2, 0, 0, i));
      expect(box.left).toBeGreaterThanOrEqual(0);
      expect(box.top).toBeGreaterThanOrEqual(0);
      expect(box.left + box.width).toBeLessThanOrEqual(500);
      expect(box.top + box.height).toBeLessThanOrEqual(375);
      const area = (box.width * box.height) / (500 * 375);
      expect(area).toBeGreaterThan(0.07);
      expect(area).toBeLessThanOrEqual(1);
      const ratio = box.width / box.height;
      expect(ratio).toBeGreaterThan(0.74);
      expect(ratio).toBeLessThan(1.345);
    }
  });

  it('spreads the scale over its range (torchvision draws the area uniformly)', () => {
    const areas = Array.from({ length: 4000 }, (_, i) => {
      const b = randomResizedCropBox(1000, 1000, new KeyedRng(2, 1, 0, i));
      return (b.width * b.height) / 1e6;
    });
    const mean = areas.reduce((a, b) => a + b, 0) / areas.length;
    // Uniform on [0.08, 1] means 0.54; rejected large non-fitting crops pull it down slightly.
    expect(mean).toBeGreaterThan(0.45);
    expect(mean).toBeLessThan(0.56);
    expect(Math.min(...areas)).toBeLessThan(0.1);
  });

  it('falls back to the centre crop clamped to the ratio range when ten tries do not fit', () => {
    // A 1000×10 strip fits no crop of ratio ≤ 4/3 with a useful area, so all tries fail.
    const box = randomResizedCropBox(1000, 10, new KeyedRng(3), {
      scale: [0.9, 1],
      ratio: [3 / 4, 4 / 3],
    });
    expect(box).toEqual({ left: 493, top: 0, width: 13, height: 10 });
    const tall = randomResizedCropBox(10, 1000, new KeyedRng(3), {
      scale: [0.9, 1],
      ratio: [3 / 4, 4 / 3],
    });
    expect(tall).toEqual({ left: 0, top: 493, width: 10, height: 13 });
  });

  it('is a function of the RNG key alone', () => {
    const a = randomResizedCropBox(640, 480, new KeyedRng(2, 7, 3, 99));
    const b = randomResizedCropBox(640, 480, new KeyedRng(2, 7, 3, 99));
    expect(a).toEqual(b);
  });
});
