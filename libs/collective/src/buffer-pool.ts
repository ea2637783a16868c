/**
 * Reuses chunk message buffers. A fresh multi-megabyte allocation is paid again in page faults on
 * first touch, and profiling showed the encoder's copy into fresh buffers costing four times a copy
 * into warm memory; buffers return here once grpc-js has framed (copied) them.
 */
export class BufferPool {
  private readonly free: ArrayBuffer[] = [];
  /** Every allocation this pool made: only these may come back (never a caller's memory). */
  private readonly own = new WeakSet<ArrayBuffer>();
  private pooledBytes = 0;

  constructor(private readonly maxPooledBytes: number) {}

  /** A buffer of exactly `size` bytes, backed by a pooled allocation when one fits. */
  acquire(size: number): Buffer {
    // Chunk sizes vary by a few bytes (headers, segments that differ by one element): accept up to 2×.
    const index = this.free.findIndex((b) => b.byteLength >= size && b.byteLength <= 2 * size);
    if (index < 0) {
      const fresh = new ArrayBuffer(size);
      this.own.add(fresh);
      return Buffer.from(fresh);
    }
    const [backing] = this.free.splice(index, 1);
    this.pooledBytes -= backing.byteLength;
    return Buffer.from(backing, 0, size);
  }

  /** Hands back a buffer from `acquire` once nothing reads it any more; anything else is ignored. */
  release(buffer: Uint8Array): void {
    const backing = buffer.buffer;
    if (!(backing instanceof ArrayBuffer) || !this.own.has(backing) || buffer.byteOffset !== 0) {
      return;
    }
    if (this.free.includes(backing)) return;
    if (this.pooledBytes + backing.byteLength > this.maxPooledBytes) return;
    this.free.push(backing);
    this.pooledBytes += backing.byteLength;
  }
}
