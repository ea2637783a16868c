import { decodeFrameHeader, FRAME_HEADER_BYTES, type FrameHeader } from './data-frame';

/** Where a frame reader puts what it reads, and what it does with whole frames. */
export interface FrameSink {
  /**
   * Memory for the payload of `header`, exactly `header.payloadBytes` long, or a reason to refuse the
   * frame (the connection is then dropped without reading further).
   */
  destination(header: FrameHeader): Uint8Array | { refused: string };
  frame(header: FrameHeader, payload: Uint8Array): void;
  /** The byte stream broke the protocol; nothing more is read. */
  invalid(reason: string): void;
}

/**
 * Incremental framing for a socket opened with Node's `onread` option: `nextBuffer()` tells the socket
 * where the next read lands (the rest of the current header, or the rest of the current payload's own
 * destination), and `advance(n)` accounts for the bytes it wrote there. A payload is thus read by the
 * kernel straight into its destination: no intermediate buffer, no copy, no allocation per read.
 */
export class FrameReader {
  private readonly headerBytes = new Uint8Array(FRAME_HEADER_BYTES);
  private header: FrameHeader | undefined;
  private target: Uint8Array = this.headerBytes;
  private filled = 0;
  private stopped = false;
  /** Bytes read after the stream broke the protocol land here and are ignored. */
  private readonly discard = new Uint8Array(64 * 1024);

  constructor(private readonly sink: FrameSink) {}

  nextBuffer(): Uint8Array {
    return this.stopped ? this.discard : this.target.subarray(this.filled);
  }

  /** `n` bytes were written at the start of the buffer the last `nextBuffer()` returned. */
  advance(n: number): void {
    if (this.stopped) return;
    this.filled += n;
    if (this.filled < this.target.byteLength) return;
    if (this.header === undefined) {
      this.onHeader();
      return;
    }
    const { header } = this;
    const payload = this.target;
    this.expectHeader();
    this.sink.frame(header, payload);
  }

  /** Stops reading: later bytes are discarded. */
  stop(): void {
    this.stopped = true;
  }

  private onHeader(): void {
    const header = decodeFrameHeader(this.headerBytes);
    if (header === undefined) {
      this.fail('not a repvgg data-plane frame (bad magic)');
      return;
    }
    const destination = this.sink.destination(header);
    if (!(destination instanceof Uint8Array)) {
      this.fail(destination.refused);
      return;
    }
    if (destination.byteLength !== header.payloadBytes) {
      throw new RangeError(
        `destination of ${destination.byteLength} bytes for a ${header.payloadBytes}-byte payload`,
      );
    }
    if (header.payloadBytes === 0) {
      this.expectHeader();
      this.sink.frame(header, destination);
      return;
    }
    this.header = header;
    this.target = destination;
    this.filled = 0;
  }

  private expectHeader(): void {
    this.header = undefined;
    this.target = this.headerBytes;
    this.filled = 0;
  }

  private fail(reason: string): void {
    this.stopped = true;
    this.sink.invalid(reason);
  }
}
