import { describe, expect, it } from 'vitest';
import { decodeNpy, encodeNpy } from './npy.codec';
import { NpyFormatError } from './npy.error';

/** A .npy file as numpy.save writes it: header dict padded with spaces so data starts at 64·k. */
function numpyBytes(dict: string, data: Uint8Array, version = 1): Buffer {
  const prefix = version === 1 ? 10 : 12;
  const headerLen = Math.ceil((prefix + dict.length + 1) / 64) * 64 - prefix;
  const header = dict.padEnd(headerLen - 1, ' ') + '\n';
  const out = Buffer.alloc(prefix + headerLen + data.length);
  Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, version, 0]).copy(out);
  if (version === 1) out.writeUInt16LE(headerLen, 8);
  else out.writeUInt32LE(headerLen, 8);
  out.write(header, prefix, 'latin1');
  out.set(data, prefix + headerLen);
  return out;
}

const f32Bytes = (xs: number[]): Uint8Array => new Uint8Array(new Float32Array(xs).buffer);

function npyError(buf: Uint8Array): string {
  try {
    decodeNpy(buf);
  } catch (e) {
    if (e instanceof NpyFormatError) return e.message;
    throw e;
  }
  throw new Error('expected NpyFormatError');
}

describe('encodeNpy', () => {
  it('writes byte-for-byte what numpy.save writes (shapes (2, 3), (4,), ())', () => {
    const cases: [number[], string][] = [
      [[2, 3], '(2, 3)'],
      [[4], '(4,)'],
      [[], '()'],
    ];
    for (const [shape, tuple] of cases) {
      const n = shape.reduce((a, b) => a * b, 1);
      const values = Array.from({ length: n }, (_, i) => i);
      const expected = numpyBytes(
        `{'descr': '<f4', 'fortran_order': False, 'shape': ${tuple}, }`,
        f32Bytes(values),
      );
      // Lengths numpy 1.24 produced for these arrays: 152, 144, 132.
      expect(expected.length).toBe({ 2: 152, 1: 144, 0: 132 }[shape.length]);
      expect(encodeNpy(shape, new Float32Array(values)).equals(expected)).toBe(true);
    }
  });

  it('rejects a shape that does not match the data', () => {
    expect(() => encodeNpy([2, 2], new Float32Array(3))).toThrow(RangeError);
  });
});

describe('decodeNpy', () => {
  it('round-trips float32 arrays', () => {
    const data = new Float32Array([1.5, -2, 3e-8, 4, 5, 6]);
    expect(decodeNpy(encodeNpy([1, 2, 3], data))).toEqual({ shape: [1, 2, 3], data });
  });

  it('reads <f8 (converted to float32) and version 2 headers', () => {
    const f64 = new Uint8Array(new Float64Array([0.1, -1e300, 2]).buffer);
    const buf = numpyBytes(`{'descr': '<f8', 'fortran_order': False, 'shape': (3,), }`, f64, 2);
    const { shape, data } = decodeNpy(buf);
    expect(shape).toEqual([3]);
    expect(Array.from(data)).toEqual([Math.fround(0.1), -Infinity, 2]);
  });

  it('reads a view at an unaligned offset', () => {
    const inner = encodeNpy([2], new Float32Array([7, 8]));
    const outer = new Uint8Array(inner.length + 1);
    outer.set(inner, 1);
    expect(decodeNpy(outer.subarray(1)).data).toEqual(new Float32Array([7, 8]));
  });

  it.each([
    ['bad magic', Buffer.from('not a numpy file'), /bad magic/],
    [
      'an unknown version',
      numpyBytes(`{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }`, f32Bytes([1]), 9),
      /version 9/,
    ],
    [
      'Fortran order',
      numpyBytes(`{'descr': '<f4', 'fortran_order': True, 'shape': (1,), }`, f32Bytes([1])),
      /Fortran-order/,
    ],
    [
      'big-endian float32',
      numpyBytes(`{'descr': '>f4', 'fortran_order': False, 'shape': (1,), }`, f32Bytes([1])),
      /dtype >f4/,
    ],
    [
      'int64',
      numpyBytes(`{'descr': '<i8', 'fortran_order': False, 'shape': (1,), }`, new Uint8Array(8)),
      /dtype <i8/,
    ],
    [
      'a missing shape',
      numpyBytes(`{'descr': '<f4', 'fortran_order': False, }`, f32Bytes([1])),
      /malformed header/,
    ],
    [
      'truncated data',
      numpyBytes(`{'descr': '<f4', 'fortran_order': False, 'shape': (3,), }`, f32Bytes([1, 2])),
      /truncated.*needs 12 data bytes, found 8/,
    ],
    ['a truncated header', encodeNpy([2], new Float32Array(2)).subarray(0, 40), /header runs past/],
  ])('rejects %s', (_, buf, pattern) => {
    expect(npyError(buf)).toMatch(pattern);
  });
});
