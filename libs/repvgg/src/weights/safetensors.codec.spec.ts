import { describe, expect, it } from 'vitest';
import { resolveArch } from '../arch/resolve-arch';
import { f32, floatData, type StateDict } from '../tensor/host-tensor';
import { initStateDict } from './init';
import { decodeSafetensors, encodeSafetensors } from './safetensors.codec';
import { SafetensorsFormatError } from './safetensors.error';

/** A safetensors file assembled by hand: u64 LE header length, header JSON, data bytes. */
function build(header: object | string, data: number[]): Uint8Array {
  const json = Buffer.from(typeof header === 'string' ? header : JSON.stringify(header), 'utf8');
  const out = Buffer.alloc(8 + json.length + data.length);
  out.writeBigUInt64LE(BigInt(json.length), 0);
  json.copy(out, 8);
  Buffer.from(data).copy(out, 8 + json.length);
  return out;
}

function bytes(a: Float32Array | BigInt64Array): Buffer {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength);
}

function formatError(buf: Uint8Array): string {
  try {
    decodeSafetensors(buf);
  } catch (e) {
    if (e instanceof SafetensorsFormatError) return e.message;
    throw e;
  }
  throw new Error('expected SafetensorsFormatError');
}

describe('decodeSafetensors on hand-built bytes', () => {
  it('reads F32, I64, F16, BF16 and F64 and the metadata', () => {
    const buf = build(
      {
        __metadata__: { format: 'pt' },
        n: { dtype: 'I64', shape: [], data_offsets: [0, 8] },
        w: { dtype: 'F32', shape: [2, 1], data_offsets: [8, 16] },
        h: { dtype: 'F16', shape: [5], data_offsets: [16, 26] },
        b: { dtype: 'BF16', shape: [2], data_offsets: [26, 30] },
        d: { dtype: 'F64', shape: [1], data_offsets: [30, 38] },
      },
      [
        ...[0x2a, 0, 0, 0, 0, 0, 0, 0x80], // I64: -(2^63) + 42
        ...[0, 0, 0x80, 0x3f], // F32 1.0
        ...[0, 0, 0x20, 0xc1], // F32 -10.0
        ...[0x00, 0x3c, 0x00, 0xc0, 0xff, 0x7b, 0x01, 0x00, 0x00, 0x7c], // F16 1, −2, 65504, 2^−24, +inf
        ...[0x80, 0x3f, 0x49, 0x40], // BF16 1.0, 3.140625
        ...[0x9a, 0x99, 0x99, 0x99, 0x99, 0x99, 0xb9, 0x3f], // F64 0.1
      ],
    );
    const { tensors, metadata } = decodeSafetensors(buf);
    expect(metadata).toEqual({ format: 'pt' });
    expect([...tensors.keys()]).toEqual(['n', 'w', 'h', 'b', 'd']);
    expect(tensors.get('n')).toEqual({
      dtype: 'int64',
      shape: [],
      data: new BigInt64Array([-(2n ** 63n) + 42n]),
    });
    expect(tensors.get('w')).toEqual({
      dtype: 'float32',
      shape: [2, 1],
      data: new Float32Array([1, -10]),
    });
    expect(Array.from(floatData(tensors, 'h'))).toEqual([1, -2, 65504, 2 ** -24, Infinity]);
    expect(Array.from(floatData(tensors, 'b'))).toEqual([1, 3.140625]);
    expect(tensors.get('d')).toMatchObject({ dtype: 'float32', data: new Float32Array([0.1]) });
  });

  it('reads a buffer that is a view at an odd offset into a larger one', () => {
    const inner = build(
      { w: { dtype: 'F32', shape: [1], data_offsets: [0, 4] } },
      [0, 0, 0x80, 0x3f],
    );
    const outer = new Uint8Array(inner.length + 3);
    outer.set(inner, 3);
    expect(decodeSafetensors(outer.subarray(3)).tensors.get('w')?.data).toEqual(
      new Float32Array([1]),
    );
  });

  it.each([
    ['fewer than 8 bytes', new Uint8Array(5), /shorter than the 8-byte/],
    ['a header longer than the file', build('{}', []).subarray(0, 9), /header needs 2 bytes/],
    ['an absurd header length', Buffer.from([0, 0, 0, 0, 0, 0, 0, 1, 0x7b, 0x7d]), /implausible/],
    ['invalid JSON', build('{"a": ', []), /not valid UTF-8 JSON/],
    ['a JSON array header', build('[]', []), /not a JSON object/],
    [
      'an unsupported dtype',
      build({ a: { dtype: 'I32', shape: [1], data_offsets: [0, 4] } }, [0, 0, 0, 0]),
      /dtype "I32"/,
    ],
    [
      'a negative dimension',
      build({ a: { dtype: 'F32', shape: [-1], data_offsets: [0, 4] } }, [0, 0, 0, 0]),
      /invalid shape/,
    ],
    [
      'offsets not matching the shape',
      build({ a: { dtype: 'F32', shape: [2], data_offsets: [0, 4] } }, [0, 0, 0, 0]),
      /needs 8/,
    ],
    [
      'a gap between tensors',
      build(
        {
          a: { dtype: 'F32', shape: [1], data_offsets: [0, 4] },
          b: { dtype: 'F32', shape: [1], data_offsets: [8, 12] },
        },
        new Array<number>(12).fill(0),
      ),
      /tensor b starts at byte 8, expected 4/,
    ],
    [
      'truncated data',
      build({ a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] } }, [0, 0, 0, 0]),
      /truncated: tensors need 8 bytes/,
    ],
    [
      'trailing bytes',
      build({ a: { dtype: 'F32', shape: [1], data_offsets: [0, 4] } }, [0, 0, 0, 0, 9]),
      /1 trailing bytes/,
    ],
    ['non-string metadata', build({ __metadata__: { epoch: 3 } }, []), /__metadata__.epoch/],
  ])('rejects %s', (_, buf, pattern) => {
    expect(formatError(buf)).toMatch(pattern);
  });
});

describe('encodeSafetensors', () => {
  it('writes the exact bytes of the format, header padded with spaces to 8', () => {
    const sd: StateDict = new Map([
      ['w', f32([2], new Float32Array([1, -10]))],
      ['n', { dtype: 'int64', shape: [], data: new BigInt64Array([7n]) }],
    ]);
    const buf = encodeSafetensors(sd, { format: 'pt' });
    const header =
      '{"__metadata__":{"format":"pt"},' +
      '"w":{"dtype":"F32","shape":[2],"data_offsets":[8,16]},' +
      '"n":{"dtype":"I64","shape":[],"data_offsets":[0,8]}}';
    const padded = header.padEnd(Math.ceil(header.length / 8) * 8, ' ');
    expect(buf.readBigUInt64LE(0)).toBe(BigInt(padded.length));
    expect(buf.subarray(8, 8 + padded.length).toString('utf8')).toBe(padded);
    expect([...buf.subarray(8 + padded.length)]).toEqual([
      ...[7, 0, 0, 0, 0, 0, 0, 0],
      ...[0, 0, 0x80, 0x3f, 0, 0, 0x20, 0xc1],
    ]);
  });

  it('aligns every tensor to its element size and round-trips a training state dict', () => {
    const arch = resolveArch({ arch: 'A0' }, { numClasses: 5 });
    // A0's 8.3 M values: compared bytewise, as element-wise deep equality would take a minute.
    const sd = initStateDict(arch, 11);
    const buf = encodeSafetensors(sd, { arch: 'RepVGG-A0' });
    const headerLen = Number(buf.readBigUInt64LE(0));
    expect(headerLen % 8).toBe(0);
    const header = JSON.parse(buf.subarray(8, 8 + headerLen).toString('utf8')) as Record<
      string,
      { dtype: string; data_offsets: [number, number] }
    >;
    for (const [name, info] of Object.entries(header)) {
      if (name !== '__metadata__') {
        expect(info.data_offsets[0] % (info.dtype === 'I64' ? 8 : 4)).toBe(0);
      }
    }
    const back = decodeSafetensors(buf);
    expect(back.metadata).toEqual({ arch: 'RepVGG-A0' });
    expect([...back.tensors.keys()]).toEqual([...sd.keys()]);
    for (const [k, t] of sd) {
      const got = back.tensors.get(k)!;
      expect([got.dtype, got.shape]).toEqual([t.dtype, t.shape]);
      expect(bytes(got.data).equals(bytes(t.data))).toBe(true);
    }
  });

  it('encodes tensor views without copying neighbouring bytes', () => {
    const big = new Float32Array([9, 1, 2, 9]);
    const sd: StateDict = new Map([['v', f32([2], big.subarray(1, 3))]]);
    expect(decodeSafetensors(encodeSafetensors(sd)).tensors.get('v')?.data).toEqual(
      new Float32Array([1, 2]),
    );
  });

  it('refuses a tensor named __metadata__', () => {
    expect(() => encodeSafetensors(new Map([['__metadata__', f32([1])]]))).toThrow(
      SafetensorsFormatError,
    );
  });
});
