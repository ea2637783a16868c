import { inflateRawSync } from 'node:zlib';
import { PthFormatError } from './pth.error';

/**
 * A read-only view of a zip archive held in memory, enough for PyTorch's checkpoints: the central
 * directory (zip64 included: torch writes it for large files), stored and deflated entries. Stored
 * entries are returned as views into the buffer, not copies.
 */
export interface ZipArchive {
  /** Entry names in central-directory order. */
  readonly names: readonly string[];
  /** The entry's bytes, or undefined when there is no such entry. */
  read(name: string): Uint8Array | undefined;
}

export const ZIP_MAGIC = 0x04034b50;

const EOCD = 0x06054b50;
const EOCD64 = 0x06064b50;
const EOCD64_LOCATOR = 0x07064b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;
const EOCD_BYTES = 22;
const MAX_COMMENT = 0xffff;
const ZIP64_EXTRA = 0x0001;
const U32_MAX = 0xffffffff;
const STORED = 0;
const DEFLATED = 8;

interface Entry {
  readonly method: number;
  readonly flags: number;
  readonly compressed: number;
  readonly size: number;
  readonly localOffset: number;
}

export function isZip(buf: Uint8Array): boolean {
  return (
    buf.length >= 4 && new DataView(buf.buffer, buf.byteOffset).getUint32(0, true) === ZIP_MAGIC
  );
}

export function openZip(buf: Uint8Array): ZipArchive {
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const u16 = (at: number): number => view.getUint16(at, true);
  const u32 = (at: number): number => view.getUint32(at, true);
  const u64 = (at: number): number => Number(view.getBigUint64(at, true));
  const need = (at: number, bytes: number, what: string): void => {
    if (at < 0 || at + bytes > buf.length) {
      throw new PthFormatError(
        `the zip ${what} lies outside the file: it is truncated; re-copy it`,
      );
    }
  };

  const eocd = findEocd(buf, u32);
  let count = u16(eocd + 10);
  let cdSize = u32(eocd + 12);
  let cdOffset = u32(eocd + 16);
  if (count === 0xffff || cdSize === U32_MAX || cdOffset === U32_MAX) {
    const locator = eocd - 20;
    need(locator, 20, 'zip64 locator');
    if (u32(locator) !== EOCD64_LOCATOR) {
      throw new PthFormatError('the zip64 end record is missing: the file is corrupt');
    }
    const at = u64(locator + 8);
    need(at, 56, 'zip64 end record');
    if (u32(at) !== EOCD64) throw new PthFormatError('bad zip64 end record: the file is corrupt');
    count = u64(at + 32);
    cdSize = u64(at + 40);
    cdOffset = u64(at + 48);
  }
  need(cdOffset, cdSize, 'central directory');

  const entries = new Map<string, Entry>();
  let at = cdOffset;
  for (let i = 0; i < count; i++) {
    need(at, 46, 'central directory');
    if (u32(at) !== CENTRAL)
      throw new PthFormatError('bad zip central directory: the file is corrupt');
    const nameLen = u16(at + 28);
    const extraLen = u16(at + 30);
    const commentLen = u16(at + 32);
    need(at + 46, nameLen + extraLen, 'central directory');
    const name = new TextDecoder().decode(buf.subarray(at + 46, at + 46 + nameLen));
    let size = u32(at + 24);
    let compressed = u32(at + 20);
    let localOffset = u32(at + 42);
    // zip64: the extra field holds, in this order, exactly the fields saturated above.
    for (let x = at + 46 + nameLen; x + 4 <= at + 46 + nameLen + extraLen;) {
      const id = u16(x);
      const len = u16(x + 2);
      if (id === ZIP64_EXTRA) {
        let f = x + 4;
        if (size === U32_MAX) [size, f] = [u64(f), f + 8];
        if (compressed === U32_MAX) [compressed, f] = [u64(f), f + 8];
        if (localOffset === U32_MAX) localOffset = u64(f);
      }
      x += 4 + len;
    }
    entries.set(name, { method: u16(at + 10), flags: u16(at + 8), compressed, size, localOffset });
    at += 46 + nameLen + extraLen + commentLen;
  }

  return {
    names: [...entries.keys()],
    read(name: string): Uint8Array | undefined {
      const e = entries.get(name);
      if (e === undefined) return undefined;
      need(e.localOffset, 30, `entry ${name}`);
      if (u32(e.localOffset) !== LOCAL) {
        throw new PthFormatError(`bad zip entry header for ${name}: the file is corrupt`);
      }
      const start = e.localOffset + 30 + u16(e.localOffset + 26) + u16(e.localOffset + 28);
      need(start, e.compressed, `entry ${name}`);
      const raw = buf.subarray(start, start + e.compressed);
      if ((e.flags & 1) !== 0) throw new PthFormatError(`zip entry ${name} is encrypted`);
      if (e.method === STORED) return raw;
      if (e.method === DEFLATED) {
        const out = inflateRawSync(raw);
        if (out.length !== e.size) {
          throw new PthFormatError(
            `zip entry ${name} inflates to the wrong size: the file is corrupt`,
          );
        }
        return out;
      }
      throw new PthFormatError(
        `zip entry ${name} uses compression method ${String(e.method)}; re-save it with torch.save`,
      );
    },
  };
}

function findEocd(buf: Uint8Array, u32: (at: number) => number): number {
  const floor = Math.max(0, buf.length - EOCD_BYTES - MAX_COMMENT);
  for (let at = buf.length - EOCD_BYTES; at >= floor; at--) {
    if (u32(at) === EOCD) return at;
  }
  throw new PthFormatError(
    'no zip end-of-central-directory record: the file is truncated; re-copy it',
  );
}
