/** Decoded pixels, row-major HWC uint8 (1 channel for grayscale IDX data, 3 for RGB). */
export interface RawImage {
  readonly data: Uint8Array;
  readonly width: number;
  readonly height: number;
  readonly channels: 1 | 3;
}

/** A rectangle in pixel coordinates of the image it applies to. */
export interface Box {
  readonly left: number;
  readonly top: number;
  readonly width: number;
  readonly height: number;
}

/**
 * The geometric part of a transform, decided from the (EXIF-oriented) source size before decoding so
 * that a source can run it where it is cheapest (libvips for files, plain loops for IDX arrays).
 * `crop-resize`: extract `box` from the source, then resize it to width×height (RandomResizedCrop).
 * `resize-crop`: resize the whole source to width×height, then extract `box` (validation resize + centre crop).
 */
export type Geometry =
  | {
      readonly kind: 'crop-resize';
      readonly box: Box;
      readonly width: number;
      readonly height: number;
    }
  | {
      readonly kind: 'resize-crop';
      readonly width: number;
      readonly height: number;
      readonly box: Box;
    };

/** Chooses the geometry for a source image of the given oriented size. */
export type GeometryPlanner = (width: number, height: number) => Geometry;
