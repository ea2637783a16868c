import { beforeAll, describe, expect, it } from 'vitest';
import { seededFloats } from '../../testing/seeded-floats';
import { expectNoHeapLeak } from '../../testing/heap-leak';
import { activeWasmBackend } from '../../testing/wasm-backend';
import { tf } from '../tf';

type Pad = 'valid' | 'same' | number;
type Shape4 = [number, number, number, number];

interface Case {
  readonly name: string;
  readonly x: Shape4;
  readonly filter: Shape4;
  readonly pad: Pad;
}

const layer = (name: string, x: Shape4, filter: Shape4, pad: Pad): Case => ({
  name,
  x,
  filter,
  pad,
});

/** Stride-2 convolutions (stride 1 goes to XNNPACK's forward conv): the preset's, and the edges. */
const CASES: Case[] = [
  layer('stage1 3×3 p1, 16 → 16', [3, 14, 14, 16], [3, 3, 16, 16], 1),
  layer('stage1 1×1, 16 → 16', [3, 14, 14, 16], [1, 1, 16, 16], 0),
  layer('stage2 3×3 p1, odd sides, 16 → 32', [4, 7, 7, 16], [3, 3, 16, 32], 1),
  layer('stage4 3×3 p1, 64 → 128', [6, 2, 2, 64], [3, 3, 64, 128], 1),
  layer('3×3 p1, 3 → 5 (27 rows, padded to 32)', [2, 9, 7, 3], [3, 3, 3, 5], 1),
  layer('3×3 p1, 25 pixels (a partial tile of 4)', [1, 9, 9, 4], [3, 3, 4, 6], 1),
  layer("3×3 'same', 2 → 3", [1, 8, 8, 2], [3, 3, 2, 3], 'same'),
  layer('3×3 valid, odd sides, 4 → 7', [2, 9, 11, 4], [3, 3, 4, 7], 'valid'),
];

interface Inputs {
  readonly info: tf.backend_util.Conv2DInfo;
  readonly dy: Float32Array;
  readonly w: Float32Array;
}

function inputs(c: Case): Inputs {
  const info = tf.backend_util.computeConv2DInfo(c.x, c.filter, 2, 1, c.pad);
  const pixels = info.batchSize * info.outHeight * info.outWidth;
  return {
    info,
    dy: seededFloats(pixels * info.outChannels, 21),
    w: seededFloats(
      c.filter.reduce((a, b) => a * b, 1),
      22,
    ),
  };
}

/** Calls f(pixel, dx index, row) for every tap of every output pixel that lands in the image. */
function forEachTap(
  info: tf.backend_util.Conv2DInfo,
  f: (pixel: number, dxAt: number, row: number) => void,
): void {
  const { inHeight: ih, inWidth: iw, inChannels: cin, outHeight: oh, outWidth: ow } = info;
  for (let p = 0; p < info.batchSize * oh * ow; p++) {
    const n = Math.floor(p / (oh * ow));
    const i = Math.floor(p / ow) % oh;
    for (let kh = 0; kh < info.filterHeight; kh++) {
      for (let kw = 0; kw < info.filterWidth; kw++) {
        const y = i * info.strideHeight + kh - info.padInfo.top;
        const x = (p % ow) * info.strideWidth + kw - info.padInfo.left;
        if (y < 0 || y >= ih || x < 0 || x >= iw) continue;
        for (let c = 0; c < cin; c++) {
          f(p, ((n * ih + y) * iw + x) * cin + c, (kh * info.filterWidth + kw) * cin + c);
        }
      }
    }
  }
}

async function inputGradient(c: Case, { dy, w, info }: Inputs): Promise<Float32Array> {
  const dyt = tf.tensor4d(dy, [c.x[0], info.outHeight, info.outWidth, c.filter[3]]);
  const wt = tf.tensor4d(w, c.filter);
  const dx = tf
    .engine()
    .runKernel<tf.Tensor>(
      'Conv2DBackpropInput',
      { dy: dyt, filter: wt },
      { strides: 2, pad: c.pad, dataFormat: 'NHWC', inputShape: c.x },
    );
  const out = (await dx.data()) as Float32Array;
  tf.dispose([dyt, wt, dx]);
  return out;
}

describe('wasm Conv2DBackpropInput, strided (kernels.wat convInputGrad)', () => {
  beforeAll(async () => {
    await activeWasmBackend();
  });

  it.each(CASES.map((c) => [c.name, c] as const))(
    'gives the bits of XNNPACK BatchMatMul (dy · Wᵀ) + col2im: %s',
    async (_, c) => {
      const input = inputs(c);
      const { info } = input;
      const rows = info.filterHeight * info.filterWidth * info.inChannels;
      const pixels = info.batchSize * info.outHeight * info.outWidth;
      const a = tf.tensor2d(input.dy, [pixels, info.outChannels]);
      const b = tf.transpose(tf.tensor2d(input.w, [rows, info.outChannels]));
      const gemm = tf.matMul(a, b);
      const cols = (await gemm.data()) as Float32Array;
      tf.dispose([a, b, gemm]);
      const expected = new Float32Array(c.x.reduce((s, d) => s * d, 1));
      forEachTap(info, (p, at, row) => {
        expected[at] = (expected[at] ?? 0) + (cols[p * rows + row] ?? 0);
      });
      const got = await inputGradient(c, input);
      expect(new Uint32Array(got.buffer)).toEqual(new Uint32Array(expected.buffer));
    },
  );

  it.each(CASES.map((c) => [c.name, c] as const))(
    'is within float32 rounding of a float64 reference: %s',
    async (_, c) => {
      const input = inputs(c);
      const { info, dy, w } = input;
      const cout = info.outChannels;
      const size = c.x.reduce((s, d) => s * d, 1);
      const sum = new Float64Array(size);
      const abs = new Float64Array(size);
      forEachTap(info, (p, at, row) => {
        for (let o = 0; o < cout; o++) {
          const term = (dy[p * cout + o] ?? 0) * (w[row * cout + o] ?? 0);
          sum[at] = (sum[at] ?? 0) + term;
          abs[at] = (abs[at] ?? 0) + Math.abs(term);
        }
      });
      const got = await inputGradient(c, input);
      // cout products summed in float32, then at most fh·fw of those sums: each term is rounded at
      // most cout + fh·fw times by 2⁻²⁴, so the error is within (cout + fh·fw)·2⁻²³·Σ|terms|.
      const gamma = (cout + info.filterHeight * info.filterWidth) * 2 ** -23;
      let worst = 0;
      for (let i = 0; i < size; i++) {
        const err = Math.abs((got[i] ?? Number.NaN) - (sum[i] ?? 0));
        const scale = gamma * (abs[i] ?? 0);
        worst = Math.max(worst, scale === 0 ? err : err / scale);
      }
      expect(worst).toBeLessThanOrEqual(1);
    },
  );

  it('leaves no tensors or heap data behind', async () => {
    const c = CASES[4];
    const input = inputs(c);
    await expectNoHeapLeak(() => inputGradient(c, input));
  });
});
