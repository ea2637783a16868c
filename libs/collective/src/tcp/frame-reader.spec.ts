import { once } from 'node:events';
import { connect, createServer, type AddressInfo, type Socket } from 'node:net';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import type { Phase } from '../peer-transport';
import { encodeFrameHeader, FRAME_HEADER_BYTES, jobTag, type FrameHeader } from './data-frame';
import { FrameReader, type FrameSink } from './frame-reader';

interface Frame {
  header: FrameHeader;
  payload: Uint8Array;
}

/** A sink that hands out fresh memory (or refuses) and records everything it is told. */
class RecordingSink implements FrameSink {
  readonly destinations: Uint8Array[] = [];
  readonly frames: Frame[] = [];
  readonly invalids: string[] = [];

  constructor(private readonly refuse: (h: FrameHeader, index: number) => string | undefined) {}

  destination(header: FrameHeader): Uint8Array | { refused: string } {
    const refused = this.refuse(header, this.destinations.length);
    if (refused !== undefined) return { refused };
    const memory = new Uint8Array(header.payloadBytes);
    this.destinations.push(memory);
    return memory;
  }

  frame(header: FrameHeader, payload: Uint8Array): void {
    this.frames.push({ header, payload });
  }

  invalid(reason: string): void {
    this.invalids.push(reason);
  }
}

const serialize = (frames: readonly Frame[]): Uint8Array =>
  Buffer.concat(frames.flatMap((f) => [encodeFrameHeader(f.header), f.payload]));

/**
 * Feeds `stream` the way a socket opened with `onread` does: every read copies some bytes (never more
 * than asked for) into the buffer `nextBuffer()` returned, then reports how many with `advance`.
 */
function feed(reader: FrameReader, stream: Uint8Array, readSizes: readonly number[]): void {
  let offset = 0;
  for (let i = 0; offset < stream.byteLength; i++) {
    const target = reader.nextBuffer();
    expect(target.byteLength).toBeGreaterThan(0);
    const k = Math.min(
      readSizes[i % readSizes.length],
      target.byteLength,
      stream.byteLength - offset,
    );
    target.set(stream.subarray(offset, offset + k));
    offset += k;
    reader.advance(k);
  }
}

const PHASES: (Phase | undefined)[] = ['reduce-scatter', 'all-gather', 'broadcast', undefined];

const frameArb: fc.Arbitrary<Frame> = fc
  .record({
    kind: fc.constantFrom('chunk' as const, 'hello' as const, 'answer' as const),
    phase: fc.constantFrom(...PHASES),
    fromRank: fc.nat({ max: 1000 }),
    seq: fc.nat({ max: 0xffff_ffff }),
    generation: fc.nat({ max: Number.MAX_SAFE_INTEGER }),
    step: fc.nat({ max: Number.MAX_SAFE_INTEGER }),
    chunk: fc.nat({ max: 0xffff_ffff }),
    job: fc.constantFrom('a', 'b', 'job-c'),
    payloadBytes: fc.oneof(
      fc.constant(0),
      fc.integer({ min: 1, max: 64 }),
      fc.integer({ min: 1, max: 6 * 1024 }),
    ),
    seed: fc.nat({ max: 255 }),
  })
  .map(({ job, seed, ...h }) => ({
    header: { ...h, jobTag: jobTag(job) },
    payload: Uint8Array.from({ length: h.payloadBytes }, (_, i) => (seed + i * 31) & 0xff),
  }));

function header(payloadBytes: number): FrameHeader {
  return {
    kind: 'chunk',
    phase: 'reduce-scatter',
    fromRank: 1,
    seq: 0,
    generation: 2,
    step: 3,
    chunk: 0,
    payloadBytes,
    jobTag: jobTag('job'),
  };
}

const plainHeader = (h: FrameHeader): Record<string, unknown> => ({ ...h, jobTag: [...h.jobTag] });

describe('FrameReader', () => {
  it('delivers every frame, in order, into the memory its sink handed out, for any read sizes', () => {
    fc.assert(
      fc.property(
        fc.array(frameArb, { maxLength: 12 }),
        fc.array(fc.integer({ min: 1, max: 8 * 1024 }), { minLength: 1, maxLength: 30 }),
        (frames, readSizes) => {
          const sink = new RecordingSink(() => undefined);
          feed(new FrameReader(sink), serialize(frames), readSizes);
          expect(sink.invalids).toEqual([]);
          expect(sink.frames).toHaveLength(frames.length);
          expect(sink.destinations).toHaveLength(frames.length);
          sink.frames.forEach((got, i) => {
            expect(plainHeader(got.header)).toEqual(plainHeader(frames[i].header));
            expect(got.payload).toBe(sink.destinations[i]);
            expect(Buffer.from(got.payload).equals(Buffer.from(frames[i].payload))).toBe(true);
          });
        },
      ),
      { numRuns: 200 },
    );
  });

  it('reads a payload straight into its destination: the next buffer is that memory', () => {
    const sink = new RecordingSink(() => undefined);
    const reader = new FrameReader(sink);
    const bytes = serialize([{ header: header(100), payload: new Uint8Array(100).fill(7) }]);
    expect(reader.nextBuffer().byteLength).toBe(FRAME_HEADER_BYTES);
    reader.nextBuffer().set(bytes.subarray(0, FRAME_HEADER_BYTES));
    reader.advance(FRAME_HEADER_BYTES);
    const into = reader.nextBuffer();
    expect(into.buffer).toBe(sink.destinations[0].buffer);
    expect(into.byteLength).toBe(100);
    into.set(bytes.subarray(FRAME_HEADER_BYTES, FRAME_HEADER_BYTES + 40));
    reader.advance(40);
    expect(reader.nextBuffer().byteOffset).toBe(sink.destinations[0].byteOffset + 40);
    expect(reader.nextBuffer().byteLength).toBe(60);
    expect(sink.frames).toEqual([]);
  });

  it('stops at a refused frame: invalid once with the reason, later bytes are discarded', () => {
    const frames = [0, 16, 0, 32, 8].map((n, i) => ({
      header: { ...header(n), chunk: i },
      payload: new Uint8Array(n).fill(i + 1),
    }));
    const sink = new RecordingSink((h) =>
      h.chunk === 2 ? `chunk ${h.chunk} not wanted` : undefined,
    );
    const reader = new FrameReader(sink);
    feed(reader, serialize(frames), [5, 60, 3]);
    expect(sink.invalids).toEqual(['chunk 2 not wanted']);
    expect(sink.frames.map((f) => f.header.chunk)).toEqual([0, 1]);
    expect(sink.destinations).toHaveLength(2);
    // Whatever the socket still reads lands in one scratch buffer that no frame owns.
    const discard = reader.nextBuffer();
    expect(discard.byteLength).toBeGreaterThanOrEqual(FRAME_HEADER_BYTES);
    expect(sink.destinations.some((d) => d.buffer === discard.buffer)).toBe(false);
    discard.set(serialize([frames[4]]));
    reader.advance(FRAME_HEADER_BYTES + 8);
    expect(reader.nextBuffer()).toBe(discard);
    expect(sink.frames).toHaveLength(2);
    expect(sink.invalids).toHaveLength(1);
  });

  it('reports bad magic as invalid without asking for a destination', () => {
    const sink = new RecordingSink(() => undefined);
    const reader = new FrameReader(sink);
    const bytes = encodeFrameHeader(header(4));
    bytes.write('HTTP', 0, 'latin1');
    feed(reader, Buffer.concat([bytes, new Uint8Array(4), encodeFrameHeader(header(0))]), [7]);
    expect(sink.invalids).toHaveLength(1);
    expect(sink.invalids[0]).toContain('bad magic');
    expect(sink.destinations).toEqual([]);
    expect(sink.frames).toEqual([]);
  });

  it('ignores everything after stop()', () => {
    const sink = new RecordingSink(() => undefined);
    const reader = new FrameReader(sink);
    const bytes = serialize([{ header: header(4), payload: new Uint8Array(4) }]);
    feed(reader, bytes.subarray(0, 10), [10]);
    reader.stop();
    feed(reader, bytes.subarray(10), [100]);
    expect(sink.frames).toEqual([]);
    expect(sink.destinations).toEqual([]);
    expect(sink.invalids).toEqual([]);
  });

  it('throws when a destination does not have the payload length', () => {
    const reader = new FrameReader({
      destination: () => new Uint8Array(3),
      frame: () => undefined,
      invalid: () => undefined,
    });
    reader.nextBuffer().set(encodeFrameHeader(header(4)));
    expect(() => {
      reader.advance(FRAME_HEADER_BYTES);
    }).toThrow(RangeError);
  });
});

describe('FrameReader on a real socket with onread', () => {
  let sockets: Socket[] = [];
  afterEach(() => {
    for (const s of sockets) s.destroy();
    sockets = [];
  });

  it('receives frames a peer writes in arbitrary pieces', async () => {
    const frames = [0, 1, 70_000, 3, 0, 200_000].map((n, i) => ({
      header: { ...header(n), seq: i },
      payload: Uint8Array.from({ length: n }, (_, j) => (i * 7 + j) & 0xff),
    }));
    const stream = serialize(frames);
    const server = createServer((peer) => {
      sockets.push(peer);
      // Odd-sized writes so reads split headers and payloads at random places.
      for (let at = 0; at < stream.byteLength; at += 4093) {
        peer.write(stream.subarray(at, Math.min(stream.byteLength, at + 4093)));
      }
      peer.end();
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const sink = new RecordingSink(() => undefined);
    const reader = new FrameReader(sink);
    const client = connect({
      host: '127.0.0.1',
      port: (server.address() as AddressInfo).port,
      onread: {
        buffer: () => reader.nextBuffer(),
        callback: (n) => {
          reader.advance(n);
          return true;
        },
      },
    });
    sockets.push(client);
    await once(client, 'end');
    server.close();
    expect(sink.invalids).toEqual([]);
    expect(sink.frames.map((f) => f.header.seq)).toEqual([0, 1, 2, 3, 4, 5]);
    sink.frames.forEach((got, i) => {
      expect(got.payload).toBe(sink.destinations[i]);
      expect(Buffer.from(got.payload).equals(Buffer.from(frames[i].payload))).toBe(true);
    });
  });
});
