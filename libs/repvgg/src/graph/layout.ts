import type { HostTensor } from '../tensor/host-tensor';

/** A float32 HostTensor, what every layout conversion returns. */
export type Float32HostTensor = Extract<HostTensor, { dtype: 'float32' }>;

/** The float part of a HostTensor: what layout conversions need. */
export interface FloatTensor {
  readonly shape: readonly number[];
  readonly data: Float32Array;
}

function dims4(t: FloatTensor, layout: string): [number, number, number, number] {
  if (t.shape.length !== 4) {
    throw new Error(`expected a 4-D ${layout} tensor, got shape [${t.shape.join(', ')}]`);
  }
  const [a, b, c, d] = t.shape;
  return [a, b, c, d] as [number, number, number, number];
}

/** Moves axis order [a, b, c, d] to `perm` (the tfjs transpose convention). */
function permute4(
  t: FloatTensor,
  layout: string,
  perm: readonly [number, number, number, number],
): Float32HostTensor {
  const shape = dims4(t, layout);
  const strides = [shape[1] * shape[2] * shape[3], shape[2] * shape[3], shape[3], 1];
  const outShape = perm.map((p) => shape[p]);
  const [s0, s1, s2, s3] = perm.map((p) => strides[p]) as [number, number, number, number];
  const [n0, n1, n2, n3] = outShape as [number, number, number, number];
  const out = new Float32Array(t.data.length);
  let o = 0;
  for (let i0 = 0; i0 < n0; i0++) {
    for (let i1 = 0; i1 < n1; i1++) {
      for (let i2 = 0; i2 < n2; i2++) {
        let src = i0 * s0 + i1 * s1 + i2 * s2;
        for (let i3 = 0; i3 < n3; i3++, src += s3) out[o++] = t.data[src];
      }
    }
  }
  return { dtype: 'float32', shape: outShape, data: out };
}

/** PyTorch conv kernel [O, I, H, W] → tfjs [H, W, I, O]. */
export function oihwToHwio(t: FloatTensor): Float32HostTensor {
  return permute4(t, 'OIHW', [2, 3, 1, 0]);
}

/** tfjs conv kernel [H, W, I, O] → PyTorch [O, I, H, W]. */
export function hwioToOihw(t: FloatTensor): Float32HostTensor {
  return permute4(t, 'HWIO', [3, 2, 0, 1]);
}

/** PyTorch activations [N, C, H, W] → tfjs [N, H, W, C]. */
export function nchwToNhwc(t: FloatTensor): Float32HostTensor {
  return permute4(t, 'NCHW', [0, 2, 3, 1]);
}

/** tfjs activations [N, H, W, C] → PyTorch [N, C, H, W]. */
export function nhwcToNchw(t: FloatTensor): Float32HostTensor {
  return permute4(t, 'NHWC', [0, 3, 1, 2]);
}

/** A matrix transpose: PyTorch Linear weight [out, in] ↔ the [in, out] matMul operand. */
export function transposeMatrix(t: FloatTensor): Float32HostTensor {
  if (t.shape.length !== 2) {
    throw new Error(`expected a 2-D matrix, got shape [${t.shape.join(', ')}]`);
  }
  const [rows, cols] = t.shape as [number, number];
  const out = new Float32Array(t.data.length);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) out[c * rows + r] = t.data[r * cols + c];
  }
  return { dtype: 'float32', shape: [cols, rows], data: out };
}
