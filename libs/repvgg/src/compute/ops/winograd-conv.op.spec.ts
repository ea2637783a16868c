import { beforeAll, describe, expect, it } from 'vitest';
import { expectNoHeapLeak } from '../../testing/heap-leak';
import { seededFloats } from '../../testing/seeded-floats';
import { activeWasmBackend } from '../../testing/wasm-backend';
import { tf } from '../tf';
import { groupedConvBiasRelu, splitConvBiasGroups } from '../../graph/grouped-conv';
import { winogradApplies, winogradConv2d, winogradFilter } from './winograd-conv.op';

type Shape4 = [number, number, number, number];

interface Case {
  readonly name: string;
  readonly x: Shape4;
  readonly cout: number;
  readonly groups?: number;
}

/** RepVGG's stride-1 layers (batch lowered) and the edges: odd sides, a block's partial last group. */
const CASES: Case[] = [
  { name: 'A0 stage3, 14² × 192 → 192', x: [1, 14, 14, 192], cout: 192 },
  { name: 'A0 stage2, 28² × 96 → 96', x: [1, 28, 28, 96], cout: 96 },
  { name: 'preset stage2, 7² × 32 → 32 (odd sides)', x: [5, 7, 7, 32], cout: 32 },
  {
    name: '147 tiles: 4 full blocks and 19 (3 tiles in the last group)',
    x: [3, 14, 14, 8],
    cout: 16,
  },
  { name: '5 × 3 image, 4 → 8', x: [2, 5, 3, 4], cout: 8 },
  { name: 'one pixel, 4 → 8', x: [1, 1, 1, 4], cout: 8 },
  { name: 'B1g4 stage3, 14² × 256 → 256 in 4 groups', x: [1, 14, 14, 256], cout: 256, groups: 4 },
  { name: '2 groups, 7 × 5 image, 8 → 16', x: [2, 7, 5, 8], cout: 16, groups: 2 },
];

const groupsOf = (c: Case): number => c.groups ?? 1;
/** The HWIO filter's shape: [3, 3, cin/groups, cout]. */
const filterShape = (c: Case): Shape4 => [3, 3, c.x[3] / groupsOf(c), c.cout];

const size = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

/** Uniform in [−1, 1): no cancellation beyond what a trained layer has. */
function uniform(n: number, seed: number): Float32Array {
  let s = seed >>> 0;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s / 2 ** 31 - 1;
  }
  return out;
}

/**
 * conv2d(x, w, stride 1, padding 1) in float64, and for each output the scale of Winograd's rounding
 * error: Σ_c (Σ|x_c| over its tile's 4×4 patch) · (Σ|w_c,k| over the 9 taps). Every transformed
 * input is a signed sum over the patch, and every transformed filter value at most the sum of the
 * taps, so no product the kernel rounds is larger; the patch reaches pixels the output's own taps
 * do not, whose contributions cancel exactly only in exact arithmetic.
 */
function reference(x: Float32Array, w: Float32Array, c: Case) {
  const [n, h, wd, cin] = c.x;
  const { cout } = c;
  // grouped HWIO: input channel ci of output k's group is row ci − group·cinG of the filter
  const cinG = cin / groupsOf(c);
  const coutG = cout / groupsOf(c);
  const at = (b: number, i: number, j: number, ch: number): number =>
    i < 0 || i >= h || j < 0 || j >= wd ? 0 : (x[((b * h + i) * wd + j) * cin + ch] ?? 0);
  const tapSums = new Float64Array(cinG * cout);
  for (let t = 0; t < 9; t++) {
    for (let i = 0; i < cinG * cout; i++)
      tapSums[i] = (tapSums[i] ?? 0) + Math.abs(w[t * cinG * cout + i] ?? 0);
  }
  const y = new Float64Array(n * h * wd * cout);
  const scale = new Float64Array(y.length);
  for (let b = 0; b < n; b++) {
    for (let i = 0; i < h; i++) {
      for (let j = 0; j < wd; j++) {
        const o = ((b * h + i) * wd + j) * cout;
        const top = i - (i % 2) - 1;
        const left = j - (j % 2) - 1;
        for (let ch = 0; ch < cin; ch++) {
          let patch = 0;
          for (let pi = 0; pi < 4; pi++) {
            for (let pj = 0; pj < 4; pj++) patch += Math.abs(at(b, top + pi, left + pj, ch));
          }
          const group = Math.floor(ch / cinG);
          const row = ch - group * cinG;
          for (let k = group * coutG; k < (group + 1) * coutG; k++) {
            scale[o + k] = (scale[o + k] ?? 0) + patch * (tapSums[row * cout + k] ?? 0);
            for (let t = 0; t < 9; t++) {
              const tap = at(b, i + Math.floor(t / 3) - 1, j + (t % 3) - 1, ch);
              y[o + k] = (y[o + k] ?? 0) + tap * (w[(t * cinG + row) * cout + k] ?? 0);
            }
          }
        }
      }
    }
  }
  return { y, scale };
}

async function winograd(
  x: Float32Array,
  w: Float32Array,
  c: Case,
  bias?: Float32Array,
  relu = false,
): Promise<Float32Array> {
  const xt = tf.tensor4d(x, c.x);
  const wt = tf.tensor4d(w, filterShape(c));
  const bt = bias === undefined ? undefined : tf.tensor1d(bias);
  const f = winogradFilter(wt, groupsOf(c));
  const y = winogradConv2d(xt, f, bt, relu);
  expect(y.shape).toEqual([...c.x.slice(0, 3), c.cout]);
  const out = (await y.data()) as Float32Array;
  tf.dispose([xt, wt, f.u, y, ...(bt === undefined ? [] : [bt])]);
  return out;
}

describe('Winograd F(2×2, 3×3) convolution (winograd.wat)', () => {
  beforeAll(async () => {
    await activeWasmBackend();
  });

  it.each(CASES.map((c) => [c.name, c] as const))(
    'is within float32 rounding of a float64 direct convolution: %s',
    async (_, c) => {
      const x = seededFloats(size(c.x), 21);
      const w = seededFloats(size(filterShape(c)), 22);
      const got = await winograd(x, w, c);
      const { y, scale } = reference(x, w, c);
      // Each output is 16 GEMM sums of cin/groups products (each rounded once per addition) pushed
      // through transforms of at most 9 terms each way, so its error stays within
      // (cin/groups + 32)·2⁻²³ · 16 · scale. A wrong tap, tile or channel is off by a whole term.
      const gamma = (c.x[3] / groupsOf(c) + 32) * 2 ** -23 * 16;
      let worst = 0;
      for (let i = 0; i < y.length; i++) {
        const err = Math.abs((got[i] ?? NaN) - (y[i] ?? 0));
        worst = Math.max(worst, err / (gamma * (scale[i] ?? 0) + 1e-30));
      }
      expect(worst).toBeLessThanOrEqual(1);
    },
  );

  it.each(CASES.map((c) => [c.name, c] as const))(
    'adds the bias and applies ReLU as tfjs fused conv2d does (per group), within 1e-5 of max|y|: %s',
    async (_, c) => {
      const x = uniform(size(c.x), 31);
      const w = uniform(size(filterShape(c)), 32);
      const bias = uniform(c.cout, 33);
      const got = await winograd(x, w, c, bias, true);
      const direct = tf.tidy(() =>
        groupedConvBiasRelu(
          tf.tensor4d(x, c.x),
          splitConvBiasGroups(tf.tensor4d(w, filterShape(c)), tf.tensor1d(bias), groupsOf(c)),
          1,
        ),
      );
      const expected = (await direct.data()) as Float32Array;
      direct.dispose();
      const scale = expected.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
      let worst = 0;
      for (let i = 0; i < expected.length; i++) {
        worst = Math.max(worst, Math.abs((got[i] ?? NaN) - (expected[i] ?? 0)));
        if ((expected[i] ?? 0) === 0) expect(got[i]).toBeLessThanOrEqual(1e-5 * scale);
        expect(got[i]).toBeGreaterThanOrEqual(0);
      }
      expect(worst).toBeLessThanOrEqual(1e-5 * scale);
    },
  );

  it('gives the same bits on every call', async () => {
    const c = CASES[3];
    const x = uniform(size(c.x), 41);
    const w = uniform(size(filterShape(c)), 42);
    const first = await winograd(x, w, c);
    const second = await winograd(x, w, c);
    expect(new Uint32Array(second.buffer)).toEqual(new Uint32Array(first.buffer));
  });

  it('frees its scratch and leaves no tensor behind', async () => {
    const c = CASES[2];
    await expectNoHeapLeak(() => winograd(uniform(size(c.x), 51), uniform(9 * 32 * 32, 52), c));
  });

  it('applies to stride-1 3×3 filters whose channels fit its lanes, and to nothing else', () => {
    expect(winogradApplies([3, 3, 192, 192], 1)).toBe(true);
    expect(winogradApplies([3, 3, 192, 192], 2)).toBe(false);
    expect(winogradApplies([1, 1, 192, 192], 1)).toBe(false);
    expect(winogradApplies([3, 3, 3, 48], 1)).toBe(false);
    expect(winogradApplies([3, 3, 16, 12], 1)).toBe(false);
    // grouped: the filter holds cin/groups input channels; each group's channels must fit
    expect(winogradApplies([3, 3, 64, 256], 1, 4)).toBe(true);
    expect(winogradApplies([3, 3, 2, 16], 1, 2)).toBe(false);
    expect(winogradApplies([3, 3, 8, 8], 1, 2)).toBe(false);
  });
});
