import { ChunkSizeMismatchError } from './collective.error';
import type { ChunkAddress, PeerTransport } from './peer-transport';

/**
 * Puts a received chunk in the caller's `target`, which must be exactly its size. Returns whether it
 * copied: a payload that already occupies `target`'s bytes (read there by the transport, whichever
 * view the caller holds) needs nothing, and its memory is the caller's, not the transport's.
 */
export function copyChunk(from: number, payload: Uint8Array, target: Uint8Array): boolean {
  if (payload.byteLength !== target.byteLength) {
    throw new ChunkSizeMismatchError([from], target.byteLength, payload.byteLength);
  }
  if (payload.buffer === target.buffer && payload.byteOffset === target.byteOffset) return false;
  target.set(payload);
  return true;
}

/** `receiveInto` for a transport that has none: receive, copy into `target`, recycle the payload. */
export async function receiveByCopy(
  transport: PeerTransport,
  from: number,
  address: ChunkAddress,
  target: Uint8Array,
  timeoutMs: number,
): Promise<void> {
  const payload = await transport.receive(from, address, timeoutMs);
  if (copyChunk(from, payload, target)) transport.recycle?.(payload);
}
