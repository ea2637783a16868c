import { ChunkSizeMismatchError } from './collective.error';

/** Copies a received chunk into the caller's `target`, which must be exactly its size. */
export function copyChunk(from: number, payload: Uint8Array, target: Uint8Array): void {
  if (payload === target) return;
  if (payload.byteLength !== target.byteLength) {
    throw new ChunkSizeMismatchError([from], target.byteLength, payload.byteLength);
  }
  target.set(payload);
}
