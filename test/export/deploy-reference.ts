import { floatData, type Architecture, type StateDict } from '@repvgg/core';

/**
 * The fused deploy model evaluated naively in float64, NCHW, straight from the PyTorch definitions
 * (Conv2d padding 1, groups; ReLU; mean over H, W; x·Wᵀ + b). An independent oracle for the exports.
 */
export function referenceDeployForward(
  arch: Architecture,
  sd: StateDict,
  input: { shape: readonly number[]; data: Float32Array },
): Float64Array {
  const [n = 0, c0 = 0, h0 = 0, w0 = 0] = input.shape;
  let x = Float64Array.from(input.data);
  let [c, h, w] = [c0, h0, w0];
  for (const b of arch.blocks) {
    const k = floatData(sd, `${b.prefix}.rbr_reparam.weight`);
    const bias = floatData(sd, `${b.prefix}.rbr_reparam.bias`);
    const ho = Math.floor((h + 2 - 3) / b.stride) + 1;
    const wo = Math.floor((w + 2 - 3) / b.stride) + 1;
    const co = b.outChannels;
    const cinG = c / b.groups;
    const coutG = co / b.groups;
    const y = new Float64Array(n * co * ho * wo);
    for (let s = 0; s < n; s++) {
      for (let o = 0; o < co; o++) {
        const g = Math.floor(o / coutG);
        for (let i = 0; i < ho; i++) {
          for (let j = 0; j < wo; j++) {
            let acc = bias[o] ?? 0;
            for (let ci = 0; ci < cinG; ci++) {
              const cin = g * cinG + ci;
              for (let ki = 0; ki < 3; ki++) {
                const yi = i * b.stride - 1 + ki;
                if (yi < 0 || yi >= h) continue;
                for (let kj = 0; kj < 3; kj++) {
                  const xj = j * b.stride - 1 + kj;
                  if (xj < 0 || xj >= w) continue;
                  acc +=
                    (k[((o * cinG + ci) * 3 + ki) * 3 + kj] ?? 0) *
                    (x[((s * c + cin) * h + yi) * w + xj] ?? 0);
                }
              }
            }
            y[((s * co + o) * ho + i) * wo + j] = Math.max(0, acc);
          }
        }
      }
    }
    x = y;
    [c, h, w] = [co, ho, wo];
  }
  const lw = floatData(sd, 'linear.weight');
  const lb = floatData(sd, 'linear.bias');
  const classes = arch.head.numClasses;
  const out = new Float64Array(n * classes);
  for (let s = 0; s < n; s++) {
    const pooled = Array.from({ length: c }, (_, ch) => {
      let sum = 0;
      for (let p = 0; p < h * w; p++) sum += x[(s * c + ch) * h * w + p] ?? 0;
      return sum / (h * w);
    });
    for (let o = 0; o < classes; o++) {
      let acc = lb[o] ?? 0;
      for (let ch = 0; ch < c; ch++) acc += (lw[o * c + ch] ?? 0) * (pooled[ch] ?? 0);
      out[s * classes + o] = acc;
    }
  }
  return out;
}
