import { NpyFormatError } from './npy.error';

/**
 * NumPy .npy format: magic `\x93NUMPY`, version (major, minor), header length (u16 LE in v1,
 * u32 LE in v2/v3), an ASCII Python dict literal `{'descr': '<f4', 'fortran_order': False,
 * 'shape': (2, 3), }` padded with spaces and `\n` so the data starts 64-byte aligned, then the data.
 */

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59];
const ALIGN = 64;
const SAVE_HINT = 'save it with numpy as float32 or float64, C order (np.ascontiguousarray)';

export interface NpyArray {
  readonly shape: number[];
  readonly data: Float32Array;
}

/** Reads `<f4` or `<f8` (converted to float32) little-endian C-order arrays. */
export function decodeNpy(buf: Uint8Array): NpyArray {
  if (buf.length < 10 || !MAGIC.every((b, i) => buf[i] === b)) {
    throw new NpyFormatError('not a .npy file (bad magic); write arrays with numpy.save');
  }
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const major = buf[6];
  let headerStart: number;
  let headerLen: number;
  if (major === 1) {
    headerStart = 10;
    headerLen = view.getUint16(8, true);
  } else if ((major === 2 || major === 3) && buf.length >= 12) {
    headerStart = 12;
    headerLen = view.getUint32(8, true);
  } else {
    throw new NpyFormatError(`unsupported .npy version ${String(major)}; ${SAVE_HINT}`);
  }
  if (headerStart + headerLen > buf.length) {
    throw new NpyFormatError('truncated: the header runs past the end of the file');
  }
  const header = new TextDecoder(major === 3 ? 'utf-8' : 'latin1').decode(
    buf.subarray(headerStart, headerStart + headerLen),
  );
  const { descr, shape } = parseHeader(header);
  const size = shape.reduce((a, b) => a * b, 1);
  const itemBytes = descr === '<f4' ? 4 : 8;
  const dataStart = headerStart + headerLen;
  const available = buf.length - dataStart;
  if (available !== size * itemBytes) {
    throw new NpyFormatError(
      `${available < size * itemBytes ? 'truncated' : 'trailing bytes'}: shape (${shape.join(', ')}) ${descr} needs ${String(size * itemBytes)} data bytes, found ${String(available)}`,
    );
  }
  const data = new Float32Array(size);
  if (descr === '<f4') {
    new Uint8Array(data.buffer).set(buf.subarray(dataStart));
  } else {
    for (let i = 0; i < size; i++) data[i] = view.getFloat64(dataStart + 8 * i, true);
  }
  return { shape, data };
}

function parseHeader(header: string): { descr: '<f4' | '<f8'; shape: number[] } {
  const descr = /['"]descr['"]\s*:\s*['"]([^'"]*)['"]/.exec(header)?.[1];
  const fortran = /['"]fortran_order['"]\s*:\s*(True|False)/.exec(header)?.[1];
  const shapeText = /['"]shape['"]\s*:\s*\(([^)]*)\)/.exec(header)?.[1];
  if (descr === undefined || fortran === undefined || shapeText === undefined) {
    throw new NpyFormatError(`malformed header ${JSON.stringify(header.trim())}; ${SAVE_HINT}`);
  }
  if (descr !== '<f4' && descr !== '<f8') {
    throw new NpyFormatError(`dtype ${descr} is not supported; ${SAVE_HINT}`);
  }
  if (fortran === 'True') {
    throw new NpyFormatError(`Fortran-order arrays are not supported; ${SAVE_HINT}`);
  }
  const dims = shapeText
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  const shape = dims.map((d) => {
    if (!/^\d+$/.test(d)) throw new NpyFormatError(`malformed shape (${shapeText})`);
    return Number(d);
  });
  return { descr, shape };
}

/** Writes a float32 little-endian C-order array (version 1, or 2 if the header needs it). */
export function encodeNpy(shape: readonly number[], data: Float32Array): Buffer {
  const size = shape.reduce((a, b) => a * b, 1);
  if (!shape.every((d) => Number.isSafeInteger(d) && d >= 0) || size !== data.length) {
    throw new RangeError(
      `shape (${shape.join(', ')}) does not describe ${String(data.length)} values`,
    );
  }
  const tuple = shape.length === 1 ? `${String(shape[0])},` : shape.join(', ');
  const dict = `{'descr': '<f4', 'fortran_order': False, 'shape': (${tuple}), }`;
  const pad = (prefix: number): string =>
    dict.padEnd(Math.ceil((prefix + dict.length + 1) / ALIGN) * ALIGN - prefix - 1) + '\n';
  const v1 = pad(10).length <= 0xffff;
  const prefix = v1 ? 10 : 12;
  const padded = pad(prefix);
  const out = Buffer.alloc(prefix + padded.length + data.byteLength);
  out.set(MAGIC, 0);
  out[6] = v1 ? 1 : 2;
  out[7] = 0;
  if (v1) out.writeUInt16LE(padded.length, 8);
  else out.writeUInt32LE(padded.length, 8);
  out.write(padded, prefix, 'latin1');
  out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), prefix + padded.length);
  return out;
}
