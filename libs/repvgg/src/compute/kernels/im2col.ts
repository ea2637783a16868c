/** Geometry of one NHWC convolution, as needed to lay out its patches. */
export interface PatchGeometry {
  readonly batch: number;
  readonly inHeight: number;
  readonly inWidth: number;
  readonly inChannels: number;
  readonly outHeight: number;
  readonly outWidth: number;
  readonly filterHeight: number;
  readonly filterWidth: number;
  readonly strideHeight: number;
  readonly strideWidth: number;
  readonly padTop: number;
  readonly padLeft: number;
}

/**
 * The adjoint of im2col: adds each patch row of `cols` ([pixels, fh·fw·Cin], row `(n·Ho + i)·Wo + j`,
 * column `(kh·fw + kw)·Cin + ci`) back onto the NHWC image it was read from. `dx` must start zeroed.
 */
export function col2imAdd(
  cols: Float32Array,
  colsOffset: number,
  g: PatchGeometry,
  dx: Float32Array,
  dxOffset: number,
): void {
  const cin = g.inChannels;
  const rowStride = g.inWidth * cin;
  const imageStride = g.inHeight * rowStride;
  const patchSize = g.filterHeight * g.filterWidth * cin;
  let src = colsOffset;
  for (let n = 0; n < g.batch; n++) {
    const imageBase = dxOffset + n * imageStride;
    for (let i = 0; i < g.outHeight; i++) {
      for (let j = 0; j < g.outWidth; j++, src += patchSize) {
        for (let kh = 0; kh < g.filterHeight; kh++) {
          const y = i * g.strideHeight + kh - g.padTop;
          if (y < 0 || y >= g.inHeight) continue;
          for (let kw = 0; kw < g.filterWidth; kw++) {
            const xx = j * g.strideWidth + kw - g.padLeft;
            if (xx < 0 || xx >= g.inWidth) continue;
            let d = imageBase + y * rowStride + xx * cin;
            let s = src + (kh * g.filterWidth + kw) * cin;
            for (let c = 0; c < cin; c++, d++, s++) dx[d] += cols[s];
          }
        }
      }
    }
  }
}
