import { ChunkSizeMismatchError } from './collective.error';
import { receiveByCopy } from './chunk-copy';
import { ChunkPlan } from './chunk-plan';
import {
  ringNeighbours,
  type ChunkAddress,
  type Phase,
  type PeerTransport,
} from './peer-transport';
import type { FloatArray, WireCodec } from './wire-codec';

export type ReduceOp = 'sum' | 'max';

const bytesOf = (a: FloatArray): Uint8Array => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

export interface RingCallOptions {
  step: number;
  seq: number;
  timeoutMs: number;
  /** Upper bound on one message's elements; smaller chunks pipeline better, larger ones cost less. */
  chunkElements: number;
}

/**
 * Somewhere to stage received reduce-scatter chunks so that adding them runs as SIMD
 * (`ReduceArena`): `staging` and the buffer being reduced share one memory.
 */
export interface StagedAdder<T extends FloatArray> {
  readonly staging: T;
  addInto(target: T, source: T): void;
}

/**
 * Ring all-reduce in place: reduce-scatter then all-gather, 2(N−1) steps each moving 1/N of the
 * buffer per rank. Every chunk index runs as its own lane, so a chunk is forwarded as soon as it has
 * been received and combined while later chunks are still in flight (the pipeline). N = 1 returns at
 * once without touching the buffer. With a `StagedAdder` whose memory holds `data`, each lane's
 * reduce-scatter chunks are read by the transport into that lane's staging slot and added there in SIMD.
 */
export async function ringAllReduce<T extends FloatArray>(
  transport: PeerTransport,
  data: T,
  codec: WireCodec<T>,
  op: ReduceOp,
  options: RingCallOptions,
  adder?: StagedAdder<T>,
): Promise<void> {
  const n = transport.worldSize;
  if (n === 1) return;
  const r = transport.rank;
  const { left, right } = ringNeighbours(transport);
  const plan = new ChunkPlan(data.length, n, options.chunkElements);
  const lanes = plan.chunksPerSegment;
  const slot = plan.longestChunk;
  // Lanes whose slot fits in the staging area add in SIMD; any others (a capped area) add in JS.
  const stagedLanes =
    adder !== undefined && op === 'sum' && codec.identityOnWire
      ? Math.min(lanes, Math.floor(adder.staging.length / slot))
      : 0;
  // Transports that read sockets themselves place chunks where they are to go; others copy them.
  const place =
    transport.receiveInto?.bind(transport) ??
    ((from: number, at: ChunkAddress, target: Uint8Array, timeoutMs: number) =>
      receiveByCopy(transport, from, at, target, timeoutMs));
  const stagedSlot = (chunk: number, target: T): T | undefined =>
    adder === undefined || chunk >= stagedLanes
      ? undefined
      : (adder.staging.subarray(chunk * slot, chunk * slot + target.length) as T);
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
  const take = async (phase: Phase, ringStep: number, chunk: number, target: T): Promise<void> => {
    const at = address(phase, ringStep, chunk);
    // All-gather copies the owner's bits: straight into place where the wire carries them as they are.
    if (phase === 'all-gather' && codec.identityOnWire) {
      await place(left, at, bytesOf(target), options.timeoutMs);
      return;
    }
    // Reduce-scatter with staging: into this lane's slot (free again once added), then a SIMD add.
    const source = phase === 'reduce-scatter' ? stagedSlot(chunk, target) : undefined;
    if (source !== undefined && adder !== undefined) {
      await place(left, at, bytesOf(source), options.timeoutMs);
      adder.addInto(target, source);
      return;
    }
    const payload = await transport.receive(left, at, options.timeoutMs);
    const expected = target.length * codec.bytesPerElement;
    if (payload.byteLength !== expected) {
      throw new ChunkSizeMismatchError([left], expected, payload.byteLength);
    }
    codec.combine(payload, target, phase === 'all-gather' ? 'copy' : op === 'sum' ? 'add' : 'max');
    transport.recycle?.(payload);
  };
  const send = (phase: Phase, ringStep: number, chunk: number, source: T): Promise<void> =>
    transport.send(right, address(phase, ringStep, chunk), codec.encode(source), options.timeoutMs);

  // Tells the transport where a chunk goes before it can arrive, so that it is read straight there
  // rather than into a pooled buffer and copied; the receive (and its deadline) comes later, as usual.
  const expect = (phase: Phase, ringStep: number, chunk: number, target: T | undefined): void => {
    if (target === undefined || transport.expect === undefined) return;
    transport.expect(left, address(phase, ringStep, chunk), bytesOf(target));
  };

  const lane = async (c: number): Promise<void> => {
    // All-gather's targets may be announced now: the reduced segment r − s reaches this rank only
    // after every member's reduce-scatter work on it is done, this rank's included.
    if (codec.identityOnWire) {
      for (let s = 0; s < n - 1; s++) expect('all-gather', s, c, view(r - s, c));
    }
    expect('reduce-scatter', 0, c, stagedSlot(c, view(r - 1, c)));
    await send('reduce-scatter', 0, c, view(r, c));
    for (let s = 0; s < n - 1; s++) {
      const segment = r - s - 1;
      await take('reduce-scatter', s, c, view(segment, c));
      if (s < n - 2) {
        // the lane's slot is free again: announce it for the next step's chunk
        expect('reduce-scatter', s + 1, c, stagedSlot(c, view(segment - 1, c)));
        await send('reduce-scatter', s + 1, c, view(segment, c));
      }
    }
    // After reduce-scatter this rank owns the fully reduced segment r + 1.
    const owned = view(r + 1, c);
    codec.roundToWire(owned);
    await send('all-gather', 0, c, owned);
    for (let s = 0; s < n - 1; s++) {
      const segment = r - s;
      await take('all-gather', s, c, view(segment, c));
      if (s < n - 2) await send('all-gather', s + 1, c, view(segment, c));
    }
  };
  await Promise.all(Array.from({ length: lanes }, (_, c) => lane(c)));
}
