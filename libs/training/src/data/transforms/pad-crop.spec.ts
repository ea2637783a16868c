import { describe, expect, it } from 'vitest';
import { KeyedRng } from '../keyed-rng';
import type { RawImage } from '../raw-image';
import { randomPadCrop } from './pad-crop';

describe('randomPadCrop', () => {
  const img: RawImage = {
    data: Uint8Array.from({ length: 36 }, (_, i) => i + 1),
    width: 6,
    height: 6,
    channels: 1,
  };

  it('is a shift by at most the padding with zeros filled in, keeping the size', () => {
    const shifts = new Set<string>();
    for (let k = 0; k < 200; k++) {
      const out = randomPadCrop(img, 2, new KeyedRng(k));
      expect([out.width, out.height]).toEqual([6, 6]);
      // Recover the shift from where pixel value 15 (row 2, col 2) landed.
      const at = out.data.indexOf(15);
      const dy = 2 - Math.floor(at / 6);
      const dx = 2 - (at % 6);
      shifts.add(`${dy},${dx}`);
      const want = new Uint8Array(36);
      for (let y = 0; y < 6; y++) {
        for (let x = 0; x < 6; x++) {
          const sy = y + dy;
          const sx = x + dx;
          if (sy >= 0 && sy < 6 && sx >= 0 && sx < 6) want[y * 6 + x] = img.data[sy * 6 + sx]!;
        }
      }
      expect(out.data).toEqual(want);
    }
    expect(shifts.size).toBe(25);
  });

  it('returns the image itself without padding', () => {
    expect(randomPadCrop(img, 0, new KeyedRng(0))).toBe(img);
  });
});
