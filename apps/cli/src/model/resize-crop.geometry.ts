export interface ResizeCrop {
  /** Size after resizing the shorter side. */
  readonly resizedWidth: number;
  readonly resizedHeight: number;
  /** Offset of the centre crop in the resized image. */
  readonly left: number;
  readonly top: number;
  readonly crop: number;
}

/** Python's round(): halves go to the even neighbour. */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/**
 * torchvision's `Resize(resize)` (shorter side → resize, longer side truncated to keep the aspect)
 * followed by `CenterCrop(crop)` (offsets rounded as Python does), as the official validation
 * transform applies them.
 */
export function resizeCropGeometry(
  width: number,
  height: number,
  resize: number,
  crop: number,
): ResizeCrop {
  if (crop > resize) {
    throw new RangeError(`centre crop ${crop} is larger than the resized shorter side ${resize}`);
  }
  const portrait = width <= height;
  const long = Math.trunc((resize * (portrait ? height : width)) / (portrait ? width : height));
  const resizedWidth = portrait ? resize : long;
  const resizedHeight = portrait ? long : resize;
  return {
    resizedWidth,
    resizedHeight,
    left: roundHalfEven((resizedWidth - crop) / 2),
    top: roundHalfEven((resizedHeight - crop) / 2),
    crop,
  };
}
