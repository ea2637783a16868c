import type { HostTensor, StateDict } from '../tensor/host-tensor';
import { decodeElements, STORED_DTYPE_BYTES, type StoredDtype } from './element-decode';
import { SafetensorsFormatError } from './safetensors.error';

/**
 * The safetensors format (huggingface/safetensors): an 8-byte little-endian header length N, N
 * bytes of JSON `{name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__": {…}}`, then
 * the raw little-endian tensor bytes, contiguous, offsets relative to the end of the header.
 * Typed-array byte copies below assume a little-endian host, as every platform Node targets is.
 */

const METADATA_KEY = '__metadata__';
/** Same guard as the reference reader: a larger header is a corrupt or hostile file. */
const MAX_HEADER_BYTES = 100_000_000;
const HEADER_ALIGN = 8;

type ReadDtype = StoredDtype;
const DTYPE_BYTES = STORED_DTYPE_BYTES;

interface TensorInfo {
  readonly name: string;
  readonly dtype: ReadDtype;
  readonly shape: number[];
  readonly begin: number;
  readonly end: number;
}

export interface DecodedSafetensors {
  /** In header order; F16, BF16 and F64 are converted to float32. */
  readonly tensors: StateDict;
  readonly metadata: Record<string, string>;
}

/**
 * Serializes a state dict: float32 tensors as F32 and int64 as I64. Like the reference writer,
 * 8-byte dtypes are laid out first so every tensor is aligned to its element size (PyTorch views
 * the bytes in place), and the header is padded with spaces to a multiple of 8 bytes.
 */
export function encodeSafetensors(sd: StateDict, metadata?: Record<string, string>): Buffer {
  const header: Record<string, unknown> = {};
  if (metadata !== undefined) header[METADATA_KEY] = { ...metadata };
  const ordered = [...sd].sort(([, a], [, b]) => byteWidth(b) - byteWidth(a));
  const offsets = new Map<string, [number, number]>();
  let offset = 0;
  for (const [name, t] of ordered) {
    offsets.set(name, [offset, offset + t.data.byteLength]);
    offset += t.data.byteLength;
  }
  for (const [name, t] of sd) {
    if (name === METADATA_KEY) {
      throw new SafetensorsFormatError(`a tensor cannot be named ${METADATA_KEY}`);
    }
    header[name] = {
      dtype: t.dtype === 'float32' ? 'F32' : 'I64',
      shape: [...t.shape],
      data_offsets: offsets.get(name),
    };
  }
  let json = Buffer.from(JSON.stringify(header), 'utf8');
  const pad = (HEADER_ALIGN - (json.length % HEADER_ALIGN)) % HEADER_ALIGN;
  if (pad > 0) json = Buffer.concat([json, Buffer.alloc(pad, 0x20)]);
  const out = Buffer.alloc(8 + json.length + offset);
  out.writeBigUInt64LE(BigInt(json.length), 0);
  json.copy(out, 8);
  const dataStart = 8 + json.length;
  for (const [name, t] of ordered) {
    const begin = offsets.get(name)?.[0] ?? 0;
    out.set(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength), dataStart + begin);
  }
  return out;
}

function byteWidth(t: HostTensor): number {
  return t.dtype === 'float32' ? 4 : 8;
}

/** Parses and fully validates a safetensors buffer (header, dtypes, shapes, offsets, length). */
export function decodeSafetensors(buf: Uint8Array): DecodedSafetensors {
  if (buf.length < 8) {
    throw new SafetensorsFormatError(
      `truncated: ${String(buf.length)} bytes, shorter than the 8-byte header length`,
    );
  }
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const headerLen = view.getBigUint64(0, true);
  if (headerLen > BigInt(MAX_HEADER_BYTES)) {
    throw new SafetensorsFormatError(
      `header length ${headerLen.toString()} is implausible: this is not a safetensors file`,
    );
  }
  const n = Number(headerLen);
  if (8 + n > buf.length) {
    throw new SafetensorsFormatError(
      `truncated: the header needs ${String(n)} bytes but only ${String(buf.length - 8)} follow; re-copy the file`,
    );
  }
  const header = parseHeader(buf.subarray(8, 8 + n));
  const metadata = parseMetadata(header[METADATA_KEY]);
  const infos = Object.entries(header)
    .filter(([name]) => name !== METADATA_KEY)
    .map(([name, raw]) => parseInfo(name, raw));
  const data = buf.subarray(8 + n);
  checkOffsets(infos, data.length);
  const tensors: StateDict = new Map();
  for (const info of infos)
    tensors.set(info.name, toHost(info, data.subarray(info.begin, info.end)));
  return { tensors, metadata };
}

function parseHeader(bytes: Uint8Array): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch (e) {
    const reason = e instanceof Error ? e.message : String(e);
    throw new SafetensorsFormatError(
      `header is not valid UTF-8 JSON (${reason}): the file is corrupt`,
    );
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new SafetensorsFormatError('header is not a JSON object: the file is corrupt');
  }
  return parsed as Record<string, unknown>;
}

function parseMetadata(raw: unknown): Record<string, string> {
  if (raw === undefined || raw === null) return {};
  if (typeof raw !== 'object' || Array.isArray(raw)) {
    throw new SafetensorsFormatError(`${METADATA_KEY} must map strings to strings`);
  }
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(raw as Record<string, unknown>)) {
    if (typeof v !== 'string') {
      throw new SafetensorsFormatError(`${METADATA_KEY}.${k} is not a string`);
    }
    out[k] = v;
  }
  return out;
}

function isReadDtype(d: unknown): d is ReadDtype {
  return typeof d === 'string' && Object.hasOwn(DTYPE_BYTES, d);
}

function isNonNegInt(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}

function parseInfo(name: string, raw: unknown): TensorInfo {
  if (typeof raw !== 'object' || raw === null) {
    throw new SafetensorsFormatError(`tensor ${name} has no {dtype, shape, data_offsets} entry`);
  }
  const { dtype, shape, data_offsets: offsets } = raw as Record<string, unknown>;
  if (!isReadDtype(dtype)) {
    throw new SafetensorsFormatError(
      `tensor ${name} has dtype ${JSON.stringify(dtype)}; supported: ${Object.keys(DTYPE_BYTES).join(', ')} — re-save it as float32`,
    );
  }
  if (!Array.isArray(shape) || !shape.every(isNonNegInt)) {
    throw new SafetensorsFormatError(
      `tensor ${name} has an invalid shape ${JSON.stringify(shape)}`,
    );
  }
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isNonNegInt)) {
    throw new SafetensorsFormatError(
      `tensor ${name} has invalid data_offsets ${JSON.stringify(offsets)}`,
    );
  }
  const [begin, end] = offsets as [number, number];
  const numel = shape.reduce((a, b) => a * b, 1);
  if (end - begin !== numel * DTYPE_BYTES[dtype]) {
    throw new SafetensorsFormatError(
      `tensor ${name}: data_offsets span ${String(end - begin)} bytes but ${dtype} [${shape.join(', ')}] needs ${String(numel * DTYPE_BYTES[dtype])}`,
    );
  }
  return { name, dtype, shape: shape, begin, end };
}

/** The reference reader's rule: tensors tile the data section exactly, without gaps or overlaps. */
function checkOffsets(infos: readonly TensorInfo[], dataLength: number): void {
  const sorted = [...infos].sort((a, b) => a.begin - b.begin || a.end - b.end);
  let expected = 0;
  for (const info of sorted) {
    if (info.begin !== expected) {
      throw new SafetensorsFormatError(
        `tensor ${info.name} starts at byte ${String(info.begin)}, expected ${String(expected)} (gap or overlap): the file is corrupt`,
      );
    }
    expected = info.end;
  }
  if (expected > dataLength) {
    throw new SafetensorsFormatError(
      `truncated: tensors need ${String(expected)} bytes of data but only ${String(dataLength)} follow the header; re-copy the file`,
    );
  }
  if (expected < dataLength) {
    throw new SafetensorsFormatError(
      `${String(dataLength - expected)} trailing bytes after the last tensor: the file is corrupt`,
    );
  }
}

function toHost(info: TensorInfo, bytes: Uint8Array): HostTensor {
  const data = decodeElements(info.dtype, bytes);
  return data instanceof BigInt64Array
    ? { dtype: 'int64', shape: info.shape, data }
    : { dtype: 'float32', shape: info.shape, data };
}
