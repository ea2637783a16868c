import { IdxFormatError } from './dataset.error';

/** IDX magic numbers of unsigned-byte arrays: 0x0000 08 <ndims>. */
export const IDX_IMAGES_MAGIC = 0x00000803;
export const IDX_LABELS_MAGIC = 0x00000801;

export interface IdxImages {
  readonly count: number;
  readonly rows: number;
  readonly cols: number;
  /** count × rows × cols bytes, row-major, 0 = background. */
  readonly pixels: Uint8Array;
}

function isGzip(buf: Uint8Array): boolean {
  return buf.length >= 2 && buf[0] === 0x1f && buf[1] === 0x8b;
}

/** Parses an uncompressed unsigned-byte IDX array with the expected magic; returns its dims and payload. */
function decodeIdxArray(
  buf: Uint8Array,
  magic: number,
  file: string,
): { dims: number[]; data: Uint8Array } {
  if (isGzip(buf)) throw new IdxFormatError(file, 'still gzip-compressed', 'gunzip it first');
  if (buf.length < 4)
    throw new IdxFormatError(file, `only ${buf.length} bytes, shorter than its header`);
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const found = view.getUint32(0, false);
  if (found !== magic) {
    throw new IdxFormatError(
      file,
      `magic 0x${found.toString(16).padStart(8, '0')}, expected 0x${magic.toString(16).padStart(8, '0')}`,
    );
  }
  const ndims = magic & 0xff;
  const headerBytes = 4 + 4 * ndims;
  if (buf.length < headerBytes) {
    throw new IdxFormatError(file, `only ${buf.length} bytes, shorter than its header`);
  }
  const dims: number[] = [];
  for (let d = 0; d < ndims; d++) dims.push(view.getUint32(4 + 4 * d, false));
  const expected = dims.reduce((a, b) => a * b, 1);
  const actual = buf.length - headerBytes;
  if (actual !== expected) {
    throw new IdxFormatError(
      file,
      `header says ${dims.join('×')} = ${expected} bytes of data, file has ${actual}`,
    );
  }
  return { dims, data: new Uint8Array(buf.buffer, buf.byteOffset + headerBytes, actual) };
}

export function decodeIdxImages(buf: Uint8Array, file = 'IDX images'): IdxImages {
  const { dims, data } = decodeIdxArray(buf, IDX_IMAGES_MAGIC, file);
  const [count, rows, cols] = dims as [number, number, number];
  return { count, rows, cols, pixels: data };
}

export function decodeIdxLabels(buf: Uint8Array, file = 'IDX labels'): Uint8Array {
  return decodeIdxArray(buf, IDX_LABELS_MAGIC, file).data;
}

/** Encodes an unsigned-byte IDX array (uncompressed); used to build test fixtures and subsets. */
export function encodeIdx(dims: readonly number[], data: Uint8Array): Buffer {
  const header = Buffer.alloc(4 + 4 * dims.length);
  header.writeUInt32BE(0x00000800 | dims.length, 0);
  dims.forEach((d, i) => header.writeUInt32BE(d, 4 + 4 * i));
  return Buffer.concat([header, data]);
}
