/**
 * The few protobuf wire-format primitives the collective messages need. Hand-rolled so a chunk is
 * encoded with a single copy of its payload and decoded without copying it (the payload is a view).
 */
export const WIRE_VARINT = 0;
export const WIRE_LENGTH_DELIMITED = 2;

export function varintSize(value: number): number {
  let size = 1;
  for (let v = value; v >= 128; v = Math.floor(v / 128)) size++;
  return size;
}

export class ProtoWriter {
  private offset = 0;
  constructor(readonly buffer: Buffer) {}

  varint(value: number): this {
    let v = value;
    while (v >= 128) {
      this.buffer[this.offset++] = (v % 128) | 128;
      v = Math.floor(v / 128);
    }
    this.buffer[this.offset++] = v;
    return this;
  }

  tag(field: number, wireType: number): this {
    return this.varint(field * 8 + wireType);
  }

  bytes(data: Uint8Array): this {
    this.varint(data.byteLength);
    this.buffer.set(data, this.offset);
    this.offset += data.byteLength;
    return this;
  }
}

export class ProtoReader {
  private offset = 0;
  constructor(private readonly buffer: Uint8Array) {}

  get done(): boolean {
    return this.offset >= this.buffer.byteLength;
  }

  varint(): number {
    let value = 0;
    let multiplier = 1;
    for (;;) {
      if (this.offset >= this.buffer.byteLength) throw new RangeError('truncated varint');
      const byte = this.buffer[this.offset++] ?? 0;
      value += (byte & 0x7f) * multiplier;
      if (byte < 128) return value;
      multiplier *= 128;
    }
  }

  bytes(): Uint8Array {
    const length = this.varint();
    const end = this.offset + length;
    if (end > this.buffer.byteLength) throw new RangeError('truncated length-delimited field');
    // A plain Uint8Array view: Buffer's slice() would not copy, which callers would not expect.
    const out = new Uint8Array(this.buffer.buffer, this.buffer.byteOffset + this.offset, length);
    this.offset = end;
    return out;
  }

  skip(wireType: number): void {
    switch (wireType) {
      case 0:
        this.varint();
        return;
      case 1:
        this.offset += 8;
        return;
      case 2:
        this.bytes();
        return;
      case 5:
        this.offset += 4;
        return;
      default:
        throw new RangeError(`unsupported protobuf wire type ${wireType}`);
    }
  }
}
