import { describe, expect, it } from 'vitest';
import { hwioToOihw, nchwToNhwc, nhwcToNchw, oihwToHwio, transposeMatrix } from './layout';

const iota = (n: number): Float32Array => Float32Array.from({ length: n }, (_, i) => i);

describe('layout helpers', () => {
  it('moves OIHW element [o,i,h,w] to HWIO [h,w,i,o]', () => {
    const [O, I, H, W] = [4, 3, 2, 5];
    const hwio = oihwToHwio({ shape: [O, I, H, W], data: iota(O * I * H * W) });
    expect(hwio.shape).toEqual([H, W, I, O]);
    const at = (o: number, i: number, h: number, w: number): number | undefined =>
      hwio.data[((h * W + w) * I + i) * O + o];
    expect(at(3, 2, 1, 4)).toBe(((3 * I + 2) * H + 1) * W + 4);
    expect(at(1, 0, 0, 2)).toBe(((1 * I + 0) * H + 0) * W + 2);
  });

  it('hwioToOihw inverts oihwToHwio', () => {
    const t = { shape: [6, 2, 3, 3], data: iota(108) };
    const back = hwioToOihw(oihwToHwio(t));
    expect(back.shape).toEqual(t.shape);
    expect(back.data).toEqual(t.data);
  });

  it('moves NCHW [n,c,h,w] to NHWC [n,h,w,c] and back', () => {
    const [N, C, H, W] = [2, 3, 4, 5];
    const t = { shape: [N, C, H, W], data: iota(N * C * H * W) };
    const nhwc = nchwToNhwc(t);
    expect(nhwc.shape).toEqual([N, H, W, C]);
    expect(nhwc.data[((1 * H + 2) * W + 3) * C + 1]).toBe(((1 * C + 1) * H + 2) * W + 3);
    expect(nhwcToNchw(nhwc).data).toEqual(t.data);
  });

  it('transposes a Linear weight', () => {
    const m = transposeMatrix({ shape: [2, 3], data: Float32Array.of(1, 2, 3, 4, 5, 6) });
    expect(m.shape).toEqual([3, 2]);
    expect([...m.data]).toEqual([1, 4, 2, 5, 3, 6]);
  });

  it('rejects tensors of the wrong rank', () => {
    expect(() => oihwToHwio({ shape: [2, 3], data: iota(6) })).toThrow(/4-D OIHW/);
  });
});
