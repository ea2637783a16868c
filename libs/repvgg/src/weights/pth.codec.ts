import type { StateDict } from '../tensor/host-tensor';
import { unpickle } from './pickle.reader';
import { PthFormatError } from './pth.error';
import { StorageReader, TensorRef, torchHooks } from './torch-pickle';
import { isZip, openZip } from './zip.reader';

/**
 * PyTorch checkpoints (`torch.save`), read without Python and without executing anything:
 * - the zip format (torch ≥ 1.6): `<folder>/data.pkl` pickles the object with each storage as a
 *   persistent id whose bytes are the entry `<folder>/data/<key>`;
 * - the legacy format: five pickles in a row (magic number, protocol version, system info, the
 *   object, the storage keys) followed by each storage as an 8-byte element count and its bytes.
 * The object must be a state dict of tensors, possibly nested (`{'state_dict': …}`, `{'model': …}`).
 * Keys come back as stored (a DistributedDataParallel `module.` prefix is removed by the layout
 * check, as for safetensors); float16/bfloat16/float64 are widened to float32.
 */

/** The magic number torch's legacy serialization writes first (`torch/serialization.py`). */
const LEGACY_MAGIC = 0x1950a86a20f9469cfc6cn;
const LEGACY_PROTOCOL = 1001;
/** Nested containers torch users save state dicts in, in the order the official tools look. */
const NESTED_KEYS = ['state_dict', 'model', 'model_state_dict', 'net'] as const;

export function isPth(buf: Uint8Array): boolean {
  return isZip(buf) || isLegacyPth(buf);
}

export function decodePth(buf: Uint8Array): StateDict {
  if (isZip(buf)) return decodeZipPth(buf);
  if (isLegacyPth(buf)) return decodeLegacyPth(buf);
  throw new PthFormatError(
    'not a PyTorch checkpoint (neither a torch.save zip nor the legacy format)',
  );
}

function decodeZipPth(buf: Uint8Array): StateDict {
  const zip = openZip(buf);
  const pickles = zip.names.filter((n) => /^[^/]+\/data\.pkl$/.test(n));
  if (pickles.length !== 1) {
    throw new PthFormatError(
      `a zip holding ${pickles.length === 0 ? 'no' : 'more than one'} <folder>/data.pkl is not a torch.save checkpoint`,
    );
  }
  const pkl = pickles[0];
  const folder = pkl.slice(0, -'data.pkl'.length);
  const order = zip.read(`${folder}byteorder`);
  if (order !== undefined && new TextDecoder().decode(order) !== 'little') {
    throw new PthFormatError(
      'the checkpoint was saved big-endian; re-save it on a little-endian machine',
    );
  }
  const root = unpickle(zip.read(pkl) ?? new Uint8Array(), torchHooks).value;
  const storages = new StorageReader((key) => zip.read(`${folder}data/${key}`));
  return materialize(findStateDict(root), storages);
}

function isLegacyPth(buf: Uint8Array): boolean {
  // PROTO 2, LONG1 of 10 bytes: how pickle writes the magic number.
  if (buf[0] !== 0x80 || buf[2] !== 0x8a || buf[3] !== 0x0a) return false;
  try {
    return unpickle(buf, torchHooks).value === LEGACY_MAGIC;
  } catch {
    return false;
  }
}

function decodeLegacyPth(buf: Uint8Array): StateDict {
  let at = unpickle(buf, torchHooks).end;
  const protocol = unpickle(buf, torchHooks, at);
  if (protocol.value !== LEGACY_PROTOCOL) {
    throw new PthFormatError(
      `legacy protocol ${String(protocol.value)} is not supported; re-save with torch.save`,
    );
  }
  const info = unpickle(buf, torchHooks, protocol.end);
  if (info.value instanceof Map && info.value.get('little_endian') === false) {
    throw new PthFormatError(
      'the checkpoint was saved big-endian; re-save it on a little-endian machine',
    );
  }
  const object = unpickle(buf, torchHooks, info.end);
  const keys = unpickle(buf, torchHooks, object.end);
  if (!Array.isArray(keys.value) || !keys.value.every((k): k is string => typeof k === 'string')) {
    throw new PthFormatError('the legacy storage key list is malformed: the file is corrupt');
  }
  const bytes = new Map<string, Uint8Array>();
  const sizes = legacyElementSizes(object.value);
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  at = keys.end;
  for (const key of keys.value) {
    if (at + 8 > buf.length)
      throw new PthFormatError('the legacy storages are truncated; re-copy the file');
    const numel = Number(view.getBigInt64(at, true));
    const length = numel * (sizes.get(key) ?? 0);
    if (at + 8 + length > buf.length) {
      throw new PthFormatError('the legacy storages are truncated; re-copy the file');
    }
    bytes.set(key, buf.subarray(at + 8, at + 8 + length));
    at += 8 + length;
  }
  return materialize(findStateDict(object.value), new StorageReader((key) => bytes.get(key)));
}

/** Element size of every storage the legacy object refers to (the records carry counts only). */
function legacyElementSizes(root: unknown): Map<string, number> {
  const sizes = new Map<string, number>();
  const bytesPer: Record<string, number> = {
    Half: 2,
    BFloat16: 2,
    Short: 2,
    Char: 1,
    Byte: 1,
    Bool: 1,
    Int: 4,
    Float: 4,
  };
  const visit = (v: unknown): void => {
    if (v instanceof TensorRef) {
      const kind = v.storage.className.replace('Storage', '');
      sizes.set(v.storage.key, bytesPer[kind] ?? 8);
    } else if (v instanceof Map) for (const x of v.values()) visit(x);
    else if (Array.isArray(v)) for (const x of v) visit(x);
  };
  visit(root);
  return sizes;
}

function isTensorDict(v: unknown): v is Map<string, TensorRef> {
  return (
    v instanceof Map &&
    v.size > 0 &&
    [...v].every(([k, t]) => typeof k === 'string' && t instanceof TensorRef)
  );
}

function findStateDict(root: unknown): Map<string, TensorRef> {
  if (isTensorDict(root)) return root;
  if (root instanceof Map) {
    for (const key of NESTED_KEYS) if (root.has(key)) return findStateDict(root.get(key));
    const keys = [...root.keys()].slice(0, 8).map(String).join(', ');
    throw new PthFormatError(
      `holds no state dict of tensors (top-level keys: ${keys}); save model.state_dict()`,
    );
  }
  throw new PthFormatError('holds no state dict of tensors; save model.state_dict()');
}

function materialize(refs: Map<string, TensorRef>, storages: StorageReader): StateDict {
  const sd: StateDict = new Map();
  for (const [key, ref] of refs) sd.set(key, storages.tensor(key, ref));
  return sd;
}
