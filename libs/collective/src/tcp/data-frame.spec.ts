import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Phase } from '../peer-transport';
import {
  decodeFrameHeader,
  encodeControlFrame,
  encodeFrameHeader,
  FRAME_HEADER_BYTES,
  jobTag,
  MAGIC_ANSWER,
  MAGIC_CHUNK,
  MAGIC_HELLO,
  parseAnswer,
  parseHello,
  type FrameHeader,
  type FrameKind,
} from './data-frame';

const KINDS: FrameKind[] = ['chunk', 'hello', 'answer'];
const PHASES: (Phase | undefined)[] = ['reduce-scatter', 'all-gather', 'broadcast', undefined];
const u32 = fc.integer({ min: 0, max: 0xffff_ffff });
const wholeNumber = fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER });

const header = (h: Partial<FrameHeader> = {}): FrameHeader => ({
  kind: 'chunk',
  phase: 'all-gather',
  fromRank: 3,
  seq: 1,
  generation: 7,
  step: 11,
  chunk: 5,
  payloadBytes: 1024,
  jobTag: jobTag('job'),
  ...h,
});

/** Header fields as plain values, so typed-array flavours (Buffer or Uint8Array) do not matter. */
const plain = (h: FrameHeader): Record<string, unknown> => ({ ...h, jobTag: [...h.jobTag] });

const bytesOf = (text: string): Uint8Array => new TextEncoder().encode(text);

describe('frame header', () => {
  it.each(KINDS.flatMap((kind) => PHASES.map((phase) => [kind, phase] as const)))(
    'round-trips a %s frame with phase %s for any field values',
    (kind, phase) => {
      fc.assert(
        fc.property(
          fc.record({
            fromRank: u32,
            seq: u32,
            generation: wholeNumber,
            step: wholeNumber,
            chunk: u32,
            payloadBytes: u32,
            jobTag: fc.uint8Array({ minLength: 8, maxLength: 8 }),
          }),
          (fields) => {
            const h: FrameHeader = { kind, phase, ...fields };
            const encoded = encodeFrameHeader(h);
            expect(encoded.byteLength).toBe(FRAME_HEADER_BYTES);
            // Decode from a plain Uint8Array, as the frame reader does.
            const decoded = decodeFrameHeader(new Uint8Array(encoded));
            expect(decoded && plain(decoded)).toEqual(plain(h));
          },
        ),
      );
    },
  );

  it('keeps the largest exact integers for generation and step', () => {
    const h = header({ generation: Number.MAX_SAFE_INTEGER, step: Number.MAX_SAFE_INTEGER - 1 });
    const decoded = decodeFrameHeader(encodeFrameHeader(h));
    expect(decoded?.generation).toBe(2 ** 53 - 1);
    expect(decoded?.step).toBe(2 ** 53 - 2);
  });

  it('writes the documented layout: magic, phase code, zero padding', () => {
    const magics = { chunk: MAGIC_CHUNK, hello: MAGIC_HELLO, answer: MAGIC_ANSWER };
    for (const kind of KINDS) {
      const bytes = encodeFrameHeader(header({ kind, phase: 'broadcast' }));
      expect(bytes.readUInt32LE(0)).toBe(magics[kind]);
      expect(bytes.subarray(0, 4).toString('latin1')).toBe(
        { chunk: 'RVDC', hello: 'RVDH', answer: 'RVDA' }[kind],
      );
      expect(bytes[4]).toBe(3);
      expect([...bytes.subarray(5, 8)]).toEqual([0, 0, 0]);
      expect([...bytes.subarray(48, 56)]).toEqual(new Array(8).fill(0));
    }
  });

  it('encodes into a reused buffer, clearing what an earlier header left there', () => {
    const out = Buffer.alloc(FRAME_HEADER_BYTES, 0xff);
    encodeFrameHeader(header({ phase: undefined }), out);
    expect(out[4]).toBe(0);
    expect([...out.subarray(48, 56)]).toEqual(new Array(8).fill(0));
    expect(decodeFrameHeader(out)?.phase).toBeUndefined();
  });

  it('decodes a header that starts inside a larger buffer', () => {
    const h = header({ fromRank: 9, generation: 123_456_789_012 });
    const backing = new Uint8Array(3 + FRAME_HEADER_BYTES + 10);
    backing.set(encodeFrameHeader(h), 3);
    const decoded = decodeFrameHeader(backing.subarray(3));
    expect(decoded && plain(decoded)).toEqual(plain(h));
  });

  it('returns undefined for a bad magic', () => {
    const bytes = encodeFrameHeader(header());
    for (const magic of [0, 0x43445653, 0x52564443 /* 'RVDC' byte-swapped */]) {
      bytes.writeUInt32LE(magic, 0);
      expect(decodeFrameHeader(bytes)).toBeUndefined();
    }
    expect(decodeFrameHeader(new Uint8Array(FRAME_HEADER_BYTES))).toBeUndefined();
  });

  it('returns undefined for a buffer shorter than a header', () => {
    const bytes = encodeFrameHeader(header());
    expect(decodeFrameHeader(bytes.subarray(0, FRAME_HEADER_BYTES - 1))).toBeUndefined();
    expect(decodeFrameHeader(new Uint8Array(0))).toBeUndefined();
  });

  it('decodes an unknown phase code as undefined', () => {
    const bytes = encodeFrameHeader(header());
    for (const code of [0, 4, 255]) {
      bytes[4] = code;
      expect(decodeFrameHeader(bytes)?.phase).toBeUndefined();
    }
  });

  it('copies the job tag out of the header bytes', () => {
    const bytes = new Uint8Array(encodeFrameHeader(header()));
    const decoded = decodeFrameHeader(bytes);
    bytes.fill(0, 40, 48);
    expect([...(decoded?.jobTag ?? [])]).toEqual([...jobTag('job')]);
  });
});

describe('jobTag', () => {
  it('is the first 8 bytes of SHA-256 of the UTF-8 job name', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 40 }), (job) => {
        const expected = createHash('sha256').update(Buffer.from(job, 'utf8')).digest();
        const tag = jobTag(job);
        expect(tag).toBeInstanceOf(Uint8Array);
        expect(tag.byteLength).toBe(8);
        expect([...tag]).toEqual([...expected.subarray(0, 8)]);
      }),
    );
  });

  it('matches the FIPS 180-2 test vector and tells jobs apart', () => {
    // SHA-256("abc") = ba7816bf 8f01cfea 414140de ...
    expect(Buffer.from(jobTag('abc')).toString('hex')).toBe('ba7816bf8f01cfea');
    expect(Buffer.from(jobTag('job-a')).equals(Buffer.from(jobTag('job-b')))).toBe(false);
  });
});

describe('control frames', () => {
  it('carry a JSON body after a header that gives its length', () => {
    const hello = { job: 'jöb', generation: 2 ** 40, token: 't', rank: 1 };
    const frame = encodeControlFrame('hello', hello);
    const h = decodeFrameHeader(frame);
    expect(h).toMatchObject({ kind: 'hello', phase: undefined, fromRank: 0, generation: 0 });
    expect(h?.payloadBytes).toBe(frame.byteLength - FRAME_HEADER_BYTES);
    expect(parseHello(frame.subarray(FRAME_HEADER_BYTES))).toEqual(hello);

    const refusal = { accepted: false, retry: true, details: 'later' } as const;
    const answer = encodeControlFrame('answer', refusal);
    expect(decodeFrameHeader(answer)?.kind).toBe('answer');
    expect(parseAnswer(answer.subarray(FRAME_HEADER_BYTES))).toEqual(refusal);
  });
});

describe('parseHello', () => {
  it('accepts a hello and keeps only its four fields', () => {
    expect(parseHello(bytesOf('{"job":"j","generation":3,"token":"t","rank":0}'))).toEqual({
      job: 'j',
      generation: 3,
      token: 't',
      rank: 0,
    });
    expect(
      parseHello(bytesOf('{"job":"","generation":0,"token":"","rank":-1.5,"extra":[1]}')),
    ).toEqual({ job: '', generation: 0, token: '', rank: -1.5 });
  });

  it.each([
    ['empty payload', ''],
    ['not JSON', '{"job":'],
    ['binary', '\u0000\u00ff\u0001'],
    ['null', 'null'],
    ['a number', '42'],
    ['a string', '"hello"'],
    ['an array', '["j",3,"t",0]'],
    ['no job', '{"generation":3,"token":"t","rank":0}'],
    ['no generation', '{"job":"j","token":"t","rank":0}'],
    ['no token', '{"job":"j","generation":3,"rank":0}'],
    ['no rank', '{"job":"j","generation":3,"token":"t"}'],
    ['job not a string', '{"job":1,"generation":3,"token":"t","rank":0}'],
    ['generation a string', '{"job":"j","generation":"3","token":"t","rank":0}'],
    ['token null', '{"job":"j","generation":3,"token":null,"rank":0}'],
    ['rank a string', '{"job":"j","generation":3,"token":"t","rank":"0"}'],
  ])('rejects %s', (_, text) => {
    expect(parseHello(bytesOf(text))).toBeUndefined();
  });
});

describe('parseAnswer', () => {
  it('accepts an acceptance and a refusal', () => {
    expect(parseAnswer(bytesOf('{"accepted":true}'))).toEqual({ accepted: true });
    expect(parseAnswer(bytesOf('{"accepted":true,"retry":false,"x":1}'))).toEqual({
      accepted: true,
    });
    expect(parseAnswer(bytesOf('{"accepted":false,"retry":true,"details":"not yet"}'))).toEqual({
      accepted: false,
      retry: true,
      details: 'not yet',
    });
    expect(parseAnswer(bytesOf('{"accepted":false,"retry":false,"details":""}'))).toEqual({
      accepted: false,
      retry: false,
      details: '',
    });
  });

  it.each([
    ['empty payload', ''],
    ['not JSON', 'accepted'],
    ['null', 'null'],
    ['true', 'true'],
    ['an array', '[true]'],
    ['accepted as a string', '{"accepted":"true"}'],
    ['accepted as 1', '{"accepted":1}'],
    ['no accepted', '{"retry":false,"details":"x"}'],
    ['a refusal without retry', '{"accepted":false,"details":"x"}'],
    ['a refusal without details', '{"accepted":false,"retry":false}'],
    ['retry not a boolean', '{"accepted":false,"retry":"no","details":"x"}'],
    ['details not a string', '{"accepted":false,"retry":false,"details":3}'],
  ])('rejects %s', (_, text) => {
    expect(parseAnswer(bytesOf(text))).toBeUndefined();
  });
});
