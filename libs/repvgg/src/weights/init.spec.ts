import { describe, expect, it } from 'vitest';
import { parseArchSpecJson } from '../arch/resolve-arch';
import { expandArch } from '../arch/arch-spec';
import { floatData } from '../tensor/host-tensor';
import { initStateDict } from './init';
import { expectedShapes } from './state-dict-layout';

const arch = expandArch(
  parseArchSpecJson(
    JSON.stringify({
      numBlocks: [2, 2, 2, 1],
      widthMultiplier: [0.5, 0.5, 0.5, 0.5],
      overrideGroupsMap: { '2': 4 },
      numClasses: 10,
    }),
    'tiny',
  ),
);

function stats(a: Float32Array): { min: number; max: number; mean: number; variance: number } {
  let sum = 0;
  let sq = 0;
  for (const v of a) {
    sum += v;
    sq += v * v;
  }
  const mean = sum / a.length;
  return { min: Math.min(...a), max: Math.max(...a), mean, variance: sq / a.length - mean * mean };
}

describe('initStateDict', () => {
  const sd = initStateDict(arch, 42);

  it('has exactly the expected keys and shapes', () => {
    const expected = expectedShapes(arch, 'train');
    expect([...sd.keys()]).toEqual([...expected.keys()]);
    for (const [k, t] of sd) expect(t.shape).toEqual(expected.get(k));
  });

  it('draws conv weights from U(±1/√fan_in), fan_in = Cin/g·k²', () => {
    // stage2.1: 64→64, 3×3: fan_in 576, bound 1/24; 36 864 samples.
    const w = stats(floatData(sd, 'stage2.1.rbr_dense.conv.weight'));
    const bound = 1 / Math.sqrt(64 * 9);
    expect(w.max).toBeLessThanOrEqual(bound);
    expect(w.min).toBeGreaterThanOrEqual(-bound);
    expect(w.max).toBeGreaterThan(0.99 * bound);
    expect(Math.abs(w.mean)).toBeLessThan(0.02 * bound);
    expect(w.variance / ((bound * bound) / 3)).toBeCloseTo(1, 1);
    // Grouped stage1.1 (g=4): fan_in = 32/4 · 9 = 72; 1×1 branch fan_in = 8.
    expect(stats(floatData(sd, 'stage1.1.rbr_dense.conv.weight')).max).toBeGreaterThan(
      1 / Math.sqrt(64 * 9),
    );
    const g = stats(floatData(sd, 'stage1.1.rbr_1x1.conv.weight'));
    expect(g.max).toBeLessThanOrEqual(1 / Math.sqrt(8));
    expect(g.max).toBeGreaterThan(0.9 / Math.sqrt(8));
  });

  it('draws the linear weight and bias from U(±1/√in)', () => {
    const bound = 1 / Math.sqrt(256);
    for (const key of ['linear.weight', 'linear.bias']) {
      const s = stats(floatData(sd, key));
      expect(s.max).toBeLessThanOrEqual(bound);
      expect(s.min).toBeGreaterThanOrEqual(-bound);
      expect(s.max - s.min).toBeGreaterThan(bound);
    }
  });

  it('sets BN to γ=1, β=0, μ=0, σ²=1 and the counter to int64 0', () => {
    for (const prefix of ['stage1.1.rbr_identity', 'stage3.0.rbr_1x1.bn']) {
      expect(new Set(floatData(sd, `${prefix}.weight`))).toEqual(new Set([1]));
      expect(new Set(floatData(sd, `${prefix}.bias`))).toEqual(new Set([0]));
      expect(new Set(floatData(sd, `${prefix}.running_mean`))).toEqual(new Set([0]));
      expect(new Set(floatData(sd, `${prefix}.running_var`))).toEqual(new Set([1]));
      expect(sd.get(`${prefix}.num_batches_tracked`)).toEqual({
        dtype: 'int64',
        shape: [],
        data: new BigInt64Array([0n]),
      });
    }
  });

  it('is deterministic in the seed', () => {
    const again = initStateDict(arch, 42);
    const other = initStateDict(arch, 43);
    const key = 'stage0.rbr_dense.conv.weight';
    expect(floatData(again, key)).toEqual(floatData(sd, key));
    expect(floatData(other, key)).not.toEqual(floatData(sd, key));
  });
});
