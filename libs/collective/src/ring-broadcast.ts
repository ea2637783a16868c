import { ChunkSizeMismatchError } from './collective.error';
import { ringNeighbours, type ChunkAddress, type PeerTransport } from './peer-transport';

export interface BroadcastOptions {
  step: number;
  seq: number;
  timeoutMs: number;
  chunkBytes: number;
}

/**
 * Pipelined ring broadcast of `data` from `root`: chunk 0 carries the total length, then every rank
 * forwards each chunk to its right neighbour as soon as it arrives, so a large state crosses every link
 * once and the links work concurrently. Non-root ranks pass `undefined` and get the bytes back.
 */
export async function ringBroadcast(
  transport: PeerTransport,
  root: number,
  data: Uint8Array | undefined,
  options: BroadcastOptions,
): Promise<Uint8Array> {
  const n = transport.worldSize;
  const r = transport.rank;
  if (r === root) {
    if (data === undefined) throw new TypeError(`rank ${r} is the broadcast root but has no data`);
    if (n === 1) return data;
  }
  const { left, right } = ringNeighbours(transport);
  const forwards = right !== root;
  const address = (chunk: number): ChunkAddress => ({
    step: options.step,
    seq: options.seq,
    phase: 'broadcast',
    chunk,
  });
  const chunkCount = (bytes: number): number => Math.ceil(bytes / options.chunkBytes);

  if (r === root && data !== undefined) {
    const header = new Uint8Array(8);
    new DataView(header.buffer).setFloat64(0, data.byteLength, true);
    await transport.send(right, address(0), header, options.timeoutMs);
    for (let k = 0; k < chunkCount(data.byteLength); k++) {
      const start = k * options.chunkBytes;
      await transport.send(
        right,
        address(k + 1),
        data.subarray(start, start + options.chunkBytes),
        options.timeoutMs,
      );
    }
    return data;
  }

  const header = await transport.receive(left, address(0), options.timeoutMs);
  if (header.byteLength !== 8) throw new ChunkSizeMismatchError([left], 8, header.byteLength);
  const total = new DataView(header.buffer, header.byteOffset, 8).getFloat64(0, true);
  if (forwards) await transport.send(right, address(0), header, options.timeoutMs);
  const out = new Uint8Array(total);
  for (let k = 0; k < chunkCount(total); k++) {
    const start = k * options.chunkBytes;
    const expected = Math.min(options.chunkBytes, total - start);
    const chunk = await transport.receive(left, address(k + 1), options.timeoutMs);
    if (chunk.byteLength !== expected) {
      throw new ChunkSizeMismatchError([left], expected, chunk.byteLength);
    }
    out.set(chunk, start);
    if (forwards) await transport.send(right, address(k + 1), chunk, options.timeoutMs);
    transport.recycle?.(chunk);
  }
  return out;
}
