import type { Phase } from '../peer-transport';
import {
  ProtoReader,
  ProtoWriter,
  varintSize,
  WIRE_LENGTH_DELIMITED,
  WIRE_VARINT,
} from './protobuf-wire';

/** Hand-written types and codecs for libs/contracts/proto/collective.proto (field numbers match it). */
export interface MembershipMessage {
  job: string;
  generation: number;
  token: string;
  rank: number;
}

export interface PingReply {
  rank: number;
  /** Port of the callee's raw-TCP data plane on the host the caller reached it at (0: none). */
  dataPort: number;
}

export interface ChunkMessage {
  job: string;
  generation: number;
  step: number;
  seq: number;
  phase: Phase;
  chunk: number;
  token: string;
  fromRank: number;
  payload: Uint8Array;
}

const PHASE_NUMBERS: Record<Phase, number> = {
  'reduce-scatter': 1,
  'all-gather': 2,
  broadcast: 3,
};
const PHASES_BY_NUMBER = new Map(
  Object.entries(PHASE_NUMBERS).map(([phase, n]) => [n, phase as Phase]),
);

type Field =
  | { n: number; kind: 'varint'; value: number }
  | { n: number; kind: 'bytes'; value: Uint8Array; keepEmpty?: boolean };

/** proto3 omits default values; decoders treat a missing field as its default. */
const isPresent = (f: Field): boolean =>
  f.kind === 'varint' ? f.value !== 0 : f.value.byteLength > 0 || f.keepEmpty === true;

const fieldSize = (f: Field): number =>
  varintSize(f.n * 8) +
  (f.kind === 'varint' ? varintSize(f.value) : varintSize(f.value.byteLength) + f.value.byteLength);

function encodeFields(
  fields: Field[],
  allocate: (size: number) => Buffer = (size) => Buffer.allocUnsafe(size),
): Buffer {
  const present = fields.filter(isPresent);
  let size = 0;
  for (const f of present) size += fieldSize(f);
  const writer = new ProtoWriter(allocate(size));
  for (const f of present) {
    if (f.kind === 'varint') writer.tag(f.n, WIRE_VARINT).varint(f.value);
    else writer.tag(f.n, WIRE_LENGTH_DELIMITED).bytes(f.value);
  }
  return writer.buffer;
}

function decodeFields(buffer: Uint8Array): Map<number, number | Uint8Array> {
  const reader = new ProtoReader(buffer);
  const fields = new Map<number, number | Uint8Array>();
  while (!reader.done) {
    const tag = reader.varint();
    const wireType = tag % 8;
    const n = Math.floor(tag / 8);
    if (wireType === WIRE_VARINT) fields.set(n, reader.varint());
    else if (wireType === WIRE_LENGTH_DELIMITED) fields.set(n, reader.bytes());
    else reader.skip(wireType);
  }
  return fields;
}

const utf8 = (s: string): Uint8Array => Buffer.from(s, 'utf8');
const num = (fields: Map<number, number | Uint8Array>, n: number): number => {
  const v = fields.get(n);
  return typeof v === 'number' ? v : 0;
};
const bytes = (fields: Map<number, number | Uint8Array>, n: number): Uint8Array => {
  const v = fields.get(n);
  return v instanceof Uint8Array ? v : new Uint8Array(0);
};
const text = (fields: Map<number, number | Uint8Array>, n: number): string =>
  Buffer.from(bytes(fields, n)).toString('utf8');

export function encodeMembership(m: MembershipMessage): Buffer {
  return encodeFields([
    { n: 1, kind: 'bytes', value: utf8(m.job) },
    { n: 2, kind: 'varint', value: m.generation },
    { n: 3, kind: 'bytes', value: utf8(m.token) },
    { n: 4, kind: 'varint', value: m.rank },
  ]);
}

export function decodeMembership(buffer: Uint8Array): MembershipMessage {
  const f = decodeFields(buffer);
  return { job: text(f, 1), generation: num(f, 2), token: text(f, 3), rank: num(f, 4) };
}

export function encodePingReply(m: PingReply): Buffer {
  return encodeFields([
    { n: 1, kind: 'varint', value: m.rank },
    { n: 2, kind: 'varint', value: m.dataPort },
  ]);
}

export function decodePingReply(buffer: Uint8Array): PingReply {
  const f = decodeFields(buffer);
  return { rank: num(f, 1), dataPort: num(f, 2) };
}

/** grpc-js hands each received message over at offset 5 (after its frame prefix) of a fresh buffer. */
const RECEIVED_MESSAGE_OFFSET = 5;
const PADDING_FIELD = 14;

/**
 * Zero bytes (field 14) that put the payload on an 8-byte boundary of the receiver's buffer, so the
 * receiver views float32/float64 elements in place instead of copying them to align them.
 */
function alignmentPadding(header: Field[], payloadBytes: number): Field[] {
  const headerSize = header.filter(isPresent).reduce((sum, f) => sum + fieldSize(f), 0);
  const payloadStart = (pad: number): number =>
    RECEIVED_MESSAGE_OFFSET + headerSize + pad + varintSize(15 * 8) + varintSize(payloadBytes);
  if (payloadStart(0) % 8 === 0) return [];
  const filler = (8 - (payloadStart(2) % 8)) % 8;
  return [{ n: PADDING_FIELD, kind: 'bytes', value: new Uint8Array(filler), keepEmpty: true }];
}

/** One copy of the payload, into the message buffer (from `allocate`); grpc-js then frames it. */
export function encodeChunk(m: ChunkMessage, allocate?: (size: number) => Buffer): Buffer {
  const header: Field[] = [
    { n: 1, kind: 'bytes', value: utf8(m.job) },
    { n: 2, kind: 'varint', value: m.generation },
    { n: 3, kind: 'varint', value: m.step },
    { n: 4, kind: 'varint', value: m.seq },
    { n: 5, kind: 'varint', value: PHASE_NUMBERS[m.phase] },
    { n: 6, kind: 'varint', value: m.chunk },
    { n: 7, kind: 'bytes', value: utf8(m.token) },
    { n: 8, kind: 'varint', value: m.fromRank },
  ];
  return encodeFields(
    [
      ...header,
      ...alignmentPadding(header, m.payload.byteLength),
      { n: 15, kind: 'bytes', value: m.payload },
    ],
    allocate,
  );
}

/** The payload is a view into `buffer` (no copy). Unknown phases decode as undefined and are refused. */
export function decodeChunk(
  buffer: Uint8Array,
): Omit<ChunkMessage, 'phase'> & { phase: Phase | undefined } {
  const f = decodeFields(buffer);
  return {
    job: text(f, 1),
    generation: num(f, 2),
    step: num(f, 3),
    seq: num(f, 4),
    phase: PHASES_BY_NUMBER.get(num(f, 5)),
    chunk: num(f, 6),
    token: text(f, 7),
    fromRank: num(f, 8),
    payload: bytes(f, 15),
  };
}
