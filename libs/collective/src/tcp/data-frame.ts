import { createHash } from 'node:crypto';
import type { Phase } from '../peer-transport';

/**
 * Wire format of the raw-TCP data plane. Every message is a fixed 56-byte little-endian header
 * followed by `payloadBytes` bytes:
 *
 *   0  magic u32      'RVDC' chunk, 'RVDH' hello (receiver → sender), 'RVDA' hello answer
 *   4  phase u8       1 reduce-scatter, 2 all-gather, 3 broadcast (0 in hellos); 5–7 zero
 *   8  fromRank u32   sender's rank
 *  12  seq u32        collective call index within the step
 *  16  generation f64
 *  24  step f64
 *  32  chunk u32
 *  36  payloadBytes u32
 *  40  jobTag 8 bytes the first 8 bytes of SHA-256(job): every chunk names its job
 *  48  zero 8 bytes   keeps the header a multiple of 8, so payloads can land 8-byte aligned
 *
 * Hello payloads are UTF-8 JSON (`DataHello`, `DataHelloAnswer`); chunk payloads are the elements.
 */
export const FRAME_HEADER_BYTES = 56;
export const MAGIC_CHUNK = 0x43445652; // 'RVDC'
export const MAGIC_HELLO = 0x48445652; // 'RVDH'
export const MAGIC_ANSWER = 0x41445652; // 'RVDA'
/** Hellos are a few hundred bytes; anything larger is not our protocol. */
export const MAX_HELLO_BYTES = 4096;

export type FrameKind = 'chunk' | 'hello' | 'answer';

export interface FrameHeader {
  kind: FrameKind;
  phase: Phase | undefined;
  fromRank: number;
  seq: number;
  generation: number;
  step: number;
  chunk: number;
  payloadBytes: number;
  jobTag: Uint8Array;
}

/** What the receiving rank sends first on a data connection it opens to a sender. */
export interface DataHello {
  job: string;
  generation: number;
  token: string;
  /** The receiver's rank (the one opening the connection). */
  rank: number;
}

export type DataHelloAnswer =
  { accepted: true } | { accepted: false; retry: boolean; details: string };

const PHASE_CODES: Record<Phase, number> = { 'reduce-scatter': 1, 'all-gather': 2, broadcast: 3 };
const PHASES = new Map(Object.entries(PHASE_CODES).map(([p, n]) => [n, p as Phase]));
const KINDS = new Map<number, FrameKind>([
  [MAGIC_CHUNK, 'chunk'],
  [MAGIC_HELLO, 'hello'],
  [MAGIC_ANSWER, 'answer'],
]);
const MAGICS: Record<FrameKind, number> = {
  chunk: MAGIC_CHUNK,
  hello: MAGIC_HELLO,
  answer: MAGIC_ANSWER,
};

export const jobTag = (job: string): Uint8Array =>
  new Uint8Array(createHash('sha256').update(job, 'utf8').digest().subarray(0, 8));

export function encodeFrameHeader(h: FrameHeader, out = Buffer.alloc(FRAME_HEADER_BYTES)): Buffer {
  out.fill(0, 0, FRAME_HEADER_BYTES);
  out.writeUInt32LE(MAGICS[h.kind], 0);
  out.writeUInt8(h.phase === undefined ? 0 : PHASE_CODES[h.phase], 4);
  out.writeUInt32LE(h.fromRank, 8);
  out.writeUInt32LE(h.seq, 12);
  out.writeDoubleLE(h.generation, 16);
  out.writeDoubleLE(h.step, 24);
  out.writeUInt32LE(h.chunk, 32);
  out.writeUInt32LE(h.payloadBytes, 36);
  out.set(h.jobTag.subarray(0, 8), 40);
  return out;
}

/** Undefined when the bytes are not a header of this protocol (wrong magic). */
export function decodeFrameHeader(bytes: Uint8Array): FrameHeader | undefined {
  if (bytes.byteLength < FRAME_HEADER_BYTES) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, FRAME_HEADER_BYTES);
  const kind = KINDS.get(view.getUint32(0, true));
  if (kind === undefined) return undefined;
  return {
    kind,
    phase: PHASES.get(view.getUint8(4)),
    fromRank: view.getUint32(8, true),
    seq: view.getUint32(12, true),
    generation: view.getFloat64(16, true),
    step: view.getFloat64(24, true),
    chunk: view.getUint32(32, true),
    payloadBytes: view.getUint32(36, true),
    // A copy: `bytes` may be a Buffer, whose slice() would share memory.
    jobTag: Uint8Array.from(bytes.subarray(40, 48)),
  };
}

const NO_TAG = new Uint8Array(8);

/** A hello or answer: header plus JSON body, as one buffer. */
export function encodeControlFrame(
  kind: 'hello' | 'answer',
  body: DataHello | DataHelloAnswer,
): Buffer {
  const json = Buffer.from(JSON.stringify(body), 'utf8');
  const header = encodeFrameHeader({
    kind,
    phase: undefined,
    fromRank: 0,
    seq: 0,
    generation: 0,
    step: 0,
    chunk: 0,
    payloadBytes: json.byteLength,
    jobTag: NO_TAG,
  });
  return Buffer.concat([header, json]);
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;

export function parseHello(payload: Uint8Array): DataHello | undefined {
  try {
    const v: unknown = JSON.parse(Buffer.from(payload).toString('utf8'));
    if (
      isRecord(v) &&
      typeof v.job === 'string' &&
      typeof v.generation === 'number' &&
      typeof v.token === 'string' &&
      typeof v.rank === 'number'
    ) {
      return { job: v.job, generation: v.generation, token: v.token, rank: v.rank };
    }
  } catch {
    // fall through: not a hello
  }
  return undefined;
}

export function parseAnswer(payload: Uint8Array): DataHelloAnswer | undefined {
  try {
    const v: unknown = JSON.parse(Buffer.from(payload).toString('utf8'));
    if (isRecord(v) && v.accepted === true) return { accepted: true };
    if (
      isRecord(v) &&
      v.accepted === false &&
      typeof v.retry === 'boolean' &&
      typeof v.details === 'string'
    ) {
      return { accepted: false, retry: v.retry, details: v.details };
    }
  } catch {
    // fall through: not an answer
  }
  return undefined;
}
