/** Which collective a message belongs to; a receiver matches on it so concurrent phases never mix. */
export type Phase = 'reduce-scatter' | 'all-gather' | 'broadcast';

/** The membership a transport serves; every message carries it and anything else is refused. */
export interface GenerationIdentity {
  job: string;
  generation: number;
  /** Per-generation secret handed out by the rendezvous; proves the sender is a current member. */
  token: string;
}

/**
 * Where a chunk sits in the collective schedule. `seq` counts the collective calls made within one
 * training step (all members make them in the same order), `chunk` numbers the messages of one phase.
 */
export interface ChunkAddress {
  step: number;
  seq: number;
  phase: Phase;
  chunk: number;
}

/** The full header on the wire: the address plus the generation it belongs to. */
export interface MessageHeader extends ChunkAddress {
  job: string;
  generation: number;
}

/**
 * Point-to-point messaging between the members of one generation. Algorithms only ever see this
 * interface; the in-memory and gRPC transports implement it.
 */
export interface PeerTransport {
  readonly rank: number;
  readonly worldSize: number;
  /**
   * Queues `payload` for rank `to`. The transport may read `payload` until the returned promise
   * settles (a zero-copy transport hands it to the kernel as is), so the caller must not modify it
   * before then. The promise resolves once the transport is done with it and has room for more
   * (backpressure), and rejects with a `CollectiveError` naming the missing rank when that does not
   * happen within `timeoutMs`.
   */
  send(to: number, address: ChunkAddress, payload: Uint8Array, timeoutMs: number): Promise<void>;
  /**
   * Resolves with the payload rank `from` sent at `address`, whenever it arrived. Rejects with a
   * `CollectiveError` naming the missing rank when nothing arrives within `timeoutMs`.
   */
  receive(from: number, address: ChunkAddress, timeoutMs: number): Promise<Uint8Array>;
  /**
   * Optional: like `receive`, but the payload ends up in `target`, which must be exactly its size
   * (else `ChunkSizeMismatchError`). A transport that reads sockets itself can have the kernel write
   * a chunk that has not arrived yet straight into `target`: no copy at all.
   */
  receiveInto?(
    from: number,
    address: ChunkAddress,
    target: Uint8Array,
    timeoutMs: number,
  ): Promise<void>;
  /**
   * Optional: announces that the chunk at `address` will be taken with `receiveInto(…, target, …)`
   * later, so a transport that reads sockets itself puts it straight into `target` even if it arrives
   * before that call (else it would land in a pooled buffer and be copied). No deadline runs until
   * `receiveInto`. From now on the chunk may land in `target` at any time: it must be free for it.
   */
  expect?(from: number, address: ChunkAddress, target: Uint8Array): void;
  /**
   * Optional: hands back a payload from `receive` once the caller no longer reads it, so the transport
   * can read later chunks into the same (already faulted-in) memory.
   */
  recycle?(payload: Uint8Array): void;
  /** Rejects every pending receive and releases connections. Idempotent. */
  close(): Promise<void>;
}

export const addressKey = (from: number, a: ChunkAddress): string =>
  `${from}/${a.step}/${a.seq}/${a.phase}/${a.chunk}`;

/** The ranks a member receives from (left) and sends to (right) on the ring. */
export const ringNeighbours = (transport: PeerTransport): { left: number; right: number } => ({
  left: (transport.rank + transport.worldSize - 1) % transport.worldSize,
  right: (transport.rank + 1) % transport.worldSize,
});
