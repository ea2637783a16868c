import { ChunkSizeMismatchError } from './collective.error';
import { ChunkPlan } from './chunk-plan';
import {
  ringNeighbours,
  type ChunkAddress,
  type Phase,
  type PeerTransport,
} from './peer-transport';
import type { FloatArray, WireCodec } from './wire-codec';

export type ReduceOp = 'sum' | 'max';

export interface RingCallOptions {
  step: number;
  seq: number;
  timeoutMs: number;
  /** Upper bound on one message's elements; smaller chunks pipeline better, larger ones cost less. */
  chunkElements: number;
}

/**
 * Ring all-reduce in place: reduce-scatter then all-gather, 2(N−1) steps each moving 1/N of the
 * buffer per rank. Every chunk index runs as its own lane, so a chunk is forwarded as soon as it has
 * been received and combined while later chunks are still in flight (the pipeline). N = 1 returns at
 * once without touching the buffer.
 */
export async function ringAllReduce<T extends FloatArray>(
  transport: PeerTransport,
  data: T,
  codec: WireCodec<T>,
  op: ReduceOp,
  options: RingCallOptions,
): Promise<void> {
  const n = transport.worldSize;
  if (n === 1) return;
  const r = transport.rank;
  const { left, right } = ringNeighbours(transport);
  const plan = new ChunkPlan(data.length, n, options.chunkElements);
  const lanes = plan.chunksPerSegment;
  const view = (segment: number, chunk: number): T => {
    const span = plan.chunk(segment, chunk);
    return data.subarray(span.start, span.end) as T;
  };
  const address = (phase: Phase, ringStep: number, chunk: number): ChunkAddress => ({
    step: options.step,
    seq: options.seq,
    phase,
    chunk: ringStep * lanes + chunk,
  });
  const receiveInto = async (
    phase: Phase,
    ringStep: number,
    chunk: number,
    target: T,
  ): Promise<void> => {
    // All-gather copies the owner's bits: where the wire carries them as they are, let the transport
    // put them in place.
    if (phase === 'all-gather' && codec.identityOnWire && transport.receiveInto !== undefined) {
      const bytes = new Uint8Array(target.buffer, target.byteOffset, target.byteLength);
      await transport.receiveInto(left, address(phase, ringStep, chunk), bytes, options.timeoutMs);
      return;
    }
    const payload = await transport.receive(
      left,
      address(phase, ringStep, chunk),
      options.timeoutMs,
    );
    const expected = target.length * codec.bytesPerElement;
    if (payload.byteLength !== expected) {
      throw new ChunkSizeMismatchError([left], expected, payload.byteLength);
    }
    codec.combine(payload, target, phase === 'all-gather' ? 'copy' : op === 'sum' ? 'add' : 'max');
    transport.recycle?.(payload);
  };
  const send = (phase: Phase, ringStep: number, chunk: number, source: T): Promise<void> =>
    transport.send(right, address(phase, ringStep, chunk), codec.encode(source), options.timeoutMs);

  const lane = async (c: number): Promise<void> => {
    await send('reduce-scatter', 0, c, view(r, c));
    for (let s = 0; s < n - 1; s++) {
      const segment = r - s - 1;
      await receiveInto('reduce-scatter', s, c, view(segment, c));
      if (s < n - 2) await send('reduce-scatter', s + 1, c, view(segment, c));
    }
    // After reduce-scatter this rank owns the fully reduced segment r + 1.
    const owned = view(r + 1, c);
    codec.roundToWire(owned);
    await send('all-gather', 0, c, owned);
    for (let s = 0; s < n - 1; s++) {
      const segment = r - s;
      await receiveInto('all-gather', s, c, view(segment, c));
      if (s < n - 2) await send('all-gather', s + 1, c, view(segment, c));
    }
  };
  await Promise.all(Array.from({ length: lanes }, (_, c) => lane(c)));
}
