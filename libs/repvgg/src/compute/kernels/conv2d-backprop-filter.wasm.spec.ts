import { beforeAll, describe, expect, it } from 'vitest';
import { seededFloats } from '../../testing/seeded-floats';
import { expectNoHeapLeak } from '../../testing/heap-leak';
import { activeWasmBackend } from '../../testing/wasm-backend';
import { tf } from '../tf';

type Pad = 'valid' | 'same' | number;

interface Case {
  readonly name: string;
  readonly x: [number, number, number, number];
  readonly filter: [number, number, number, number];
  readonly stride: 1 | 2;
  readonly pad: Pad;
}

const layer = (
  name: string,
  x: Case['x'],
  filter: Case['filter'],
  stride: Case['stride'],
  pad: Pad,
): Case => ({ name, x, filter, stride, pad });

/** The preset's layer shapes (batch lowered), plus the edges: odd channels, 'same', no padding. */
const CASES: Case[] = [
  layer('stage0 3×3 s2 p1, 3 → 16', [4, 28, 28, 3], [3, 3, 3, 16], 2, 1),
  layer('stage0 1×1 s2, 3 → 16', [4, 28, 28, 3], [1, 1, 3, 16], 2, 0),
  layer('stage1 3×3 s2 p1, 16 → 16', [3, 14, 14, 16], [3, 3, 16, 16], 2, 1),
  layer('stage2 3×3 s1 p1, 32 → 32', [5, 4, 4, 32], [3, 3, 32, 32], 1, 1),
  layer('stage4 3×3 s2 p1, 64 → 128', [6, 2, 2, 64], [3, 3, 64, 128], 2, 1),
  layer('3×3 s1 p1, 5 → 12 (outputs widened)', [2, 7, 6, 5], [3, 3, 5, 12], 1, 1),
  layer("3×3 s2 'same', 2 → 3", [1, 8, 8, 2], [3, 3, 2, 3], 2, 'same'),
  layer('3×3 s2 valid, 4 → 7, odd sides', [2, 9, 11, 4], [3, 3, 4, 7], 2, 'valid'),
  layer('1×1 s1, 6 → 8, no copy of x', [2, 5, 5, 6], [1, 1, 6, 8], 1, 0),
];

function convInfo(c: Case): tf.backend_util.Conv2DInfo {
  return tf.backend_util.computeConv2DInfo(c.x, c.filter, c.stride, 1, c.pad);
}

/** patchesᵀ [fh·fw·cin, N·Ho·Wo], zeros where a tap reads padding (what im2col wrote). */
function patchesT(x: Float32Array, info: tf.backend_util.Conv2DInfo): Float32Array {
  const { inHeight: ih, inWidth: iw, inChannels: cin, outHeight: oh, outWidth: ow } = info;
  const cols = info.batchSize * oh * ow;
  const out = new Float32Array(info.filterHeight * info.filterWidth * cin * cols);
  for (let kh = 0; kh < info.filterHeight; kh++) {
    for (let kw = 0; kw < info.filterWidth; kw++) {
      for (let c = 0; c < cin; c++) {
        const row = ((kh * info.filterWidth + kw) * cin + c) * cols;
        for (let col = 0; col < cols; col++) {
          const n = Math.floor(col / (oh * ow));
          const i = Math.floor(col / ow) % oh;
          const y = i * info.strideHeight + kh - info.padInfo.top;
          const xx = (col % ow) * info.strideWidth + kw - info.padInfo.left;
          const inside = y >= 0 && y < ih && xx >= 0 && xx < iw;
          out[row + col] = inside ? (x[((n * ih + y) * iw + xx) * cin + c] ?? 0) : 0;
        }
      }
    }
  }
  return out;
}

async function filterGradient(c: Case, x: Float32Array, dy: Float32Array): Promise<Float32Array> {
  const info = convInfo(c);
  const xt = tf.tensor4d(x, c.x);
  const dyt = tf.tensor4d(dy, [c.x[0], info.outHeight, info.outWidth, c.filter[3]]);
  const dw = tf.engine().runKernel<tf.Tensor>(
    'Conv2DBackpropFilter',
    { x: xt, dy: dyt },
    {
      strides: c.stride,
      pad: c.pad,
      dataFormat: 'NHWC',
      filterShape: c.filter,
    },
  );
  const out = (await dw.data()) as Float32Array;
  tf.dispose([xt, dyt, dw]);
  return out;
}

interface Inputs {
  readonly x: Float32Array;
  readonly dy: Float32Array;
  /** K = N·Ho·Wo */
  readonly pixels: number;
  /** fh·fw·cin */
  readonly rows: number;
  readonly cout: number;
  readonly patches: Float32Array;
}

function inputs(c: Case): Inputs {
  const info = convInfo(c);
  const pixels = info.batchSize * info.outHeight * info.outWidth;
  const x = seededFloats(
    c.x.reduce((a, b) => a * b, 1),
    11,
  );
  return {
    x,
    dy: seededFloats(pixels * info.outChannels, 12),
    pixels,
    rows: info.filterHeight * info.filterWidth * info.inChannels,
    cout: info.outChannels,
    patches: patchesT(x, info),
  };
}

describe('wasm Conv2DBackpropFilter (kernels.wat convFilterGrad)', () => {
  beforeAll(async () => {
    await activeWasmBackend();
  });

  it.each(CASES.map((c) => [c.name, c] as const))(
    'gives the bits of im2col + XNNPACK BatchMatMul: %s',
    async (_, c) => {
      const { x, dy, pixels, rows, cout, patches } = inputs(c);
      const a = tf.tensor2d(patches, [rows, pixels]);
      const b = tf.tensor2d(dy, [pixels, cout]);
      const gemm = tf.matMul(a, b);
      const expected = (await gemm.data()) as Float32Array;
      tf.dispose([a, b, gemm]);
      const got = await filterGradient(c, x, dy);
      expect(new Uint32Array(got.buffer)).toEqual(new Uint32Array(expected.buffer));
    },
  );

  it.each(CASES.map((c) => [c.name, c] as const))(
    'is within float32 rounding of a float64 reference: %s',
    async (_, c) => {
      const { x, dy, pixels, rows, cout, patches: p } = inputs(c);
      const got = await filterGradient(c, x, dy);
      // A float32 sum of K products is within K·2⁻²³·Σ|terms| of the exact sum (each product and
      // each partial sum rounded once); float64 holds the reference far below that bound.
      const gamma = pixels * 2 ** -23;
      let worst = 0;
      for (let r = 0; r < rows; r++) {
        for (let o = 0; o < cout; o++) {
          let sum = 0;
          let abs = 0;
          for (let k = 0; k < pixels; k++) {
            const term = (p[r * pixels + k] ?? 0) * (dy[k * cout + o] ?? 0);
            sum += term;
            abs += Math.abs(term);
          }
          const err = Math.abs((got[r * cout + o] ?? Number.NaN) - sum);
          worst = Math.max(worst, abs === 0 ? err : err / (gamma * abs));
        }
      }
      expect(worst).toBeLessThanOrEqual(1);
    },
  );

  it('returns zeros for an empty batch', async () => {
    const c = layer('empty', [0, 5, 5, 4], [3, 3, 4, 8], 1, 1);
    const got = await filterGradient(c, new Float32Array(0), new Float32Array(0));
    expect(got).toEqual(new Float32Array(3 * 3 * 4 * 8));
  });

  it('leaves no tensors or heap data behind', async () => {
    const c = CASES[5];
    const { x, dy } = inputs(c);
    await expectNoHeapLeak(() => filterGradient(c, x, dy));
  });
});
