import type { Box, Geometry, RawImage } from '../raw-image';

/**
 * Bilinear resampling of `box` to outW×outH with half-pixel centres (PyTorch's align_corners=False,
 * no antialiasing): the pure-JS path for small in-memory images such as IDX digits.
 */
export function resizeBilinear(image: RawImage, box: Box, outW: number, outH: number): RawImage {
  const { width, height, channels: c, data } = image;
  const out = new Uint8Array(outW * outH * c);
  // Source columns and weights are the same for every row: computed once.
  const x0s = new Int32Array(outW);
  const x1s = new Int32Array(outW);
  const wxs = new Float64Array(outW);
  const sxScale = box.width / outW;
  for (let x = 0; x < outW; x++) {
    const fx = Math.min(Math.max((x + 0.5) * sxScale - 0.5 + box.left, 0), width - 1);
    const x0 = Math.floor(fx);
    x0s[x] = x0 * c;
    x1s[x] = Math.min(x0 + 1, width - 1) * c;
    wxs[x] = fx - x0;
  }
  const syScale = box.height / outH;
  for (let y = 0; y < outH; y++) {
    const fy = Math.min(Math.max((y + 0.5) * syScale - 0.5 + box.top, 0), height - 1);
    const y0 = Math.floor(fy);
    const wy = fy - y0;
    const r0 = y0 * width * c;
    const r1 = Math.min(y0 + 1, height - 1) * width * c;
    let o = y * outW * c;
    for (let x = 0; x < outW; x++) {
      const a = x0s[x];
      const b = x1s[x];
      const wx = wxs[x];
      for (let k = 0; k < c; k++, o++) {
        const top = data[r0 + a + k] + (data[r0 + b + k] - data[r0 + a + k]) * wx;
        const bot = data[r1 + a + k] + (data[r1 + b + k] - data[r1 + a + k]) * wx;
        out[o] = top + (bot - top) * wy + 0.5;
      }
    }
  }
  return { data: out, width: outW, height: outH, channels: c };
}

export function cropImage(image: RawImage, box: Box): RawImage {
  const { width, channels: c, data } = image;
  const out = new Uint8Array(box.width * box.height * c);
  for (let y = 0; y < box.height; y++) {
    const src = ((box.top + y) * width + box.left) * c;
    out.set(data.subarray(src, src + box.width * c), y * box.width * c);
  }
  return { data: out, width: box.width, height: box.height, channels: c };
}

function isWhole(image: RawImage, box: Box): boolean {
  return (
    box.left === 0 && box.top === 0 && box.width === image.width && box.height === image.height
  );
}

/** Applies a geometry plan in plain JS; the identity parts of a plan cost nothing. */
export function applyGeometry(image: RawImage, g: Geometry): RawImage {
  const full: Box = { left: 0, top: 0, width: image.width, height: image.height };
  switch (g.kind) {
    case 'crop-resize': {
      if (g.box.width === g.width && g.box.height === g.height) {
        return isWhole(image, g.box) ? image : cropImage(image, g.box);
      }
      return resizeBilinear(image, g.box, g.width, g.height);
    }
    case 'resize-crop': {
      const resized =
        g.width === image.width && g.height === image.height
          ? image
          : resizeBilinear(image, full, g.width, g.height);
      return isWhole(resized, g.box) ? resized : cropImage(resized, g.box);
    }
  }
}
