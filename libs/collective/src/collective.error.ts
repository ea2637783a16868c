/** Base of every failure the collective layer reports; `ranks` names the members held responsible. */
export abstract class CollectiveError extends Error {
  abstract readonly ranks: readonly number[];
}

const listRanks = (ranks: readonly number[]): string =>
  ranks.length === 1 ? `rank ${ranks[0] ?? '?'}` : `ranks ${ranks.join(', ')}`;

/** A peer stayed silent past the deadline: frozen, overloaded or cut off from the network. */
export class PeerTimeoutError extends CollectiveError {
  constructor(
    readonly ranks: readonly number[],
    readonly timeoutMs: number,
    /** What the transport knows beyond the silence, e.g. a data link that never opened. */
    detail?: string,
  ) {
    super(
      `${listRanks(ranks)} did not answer within ${timeoutMs} ms (${detail ?? 'frozen or cut off'}): ` +
        'end this generation and re-join the rendezvous',
    );
    this.name = 'PeerTimeoutError';
  }
}

/** The connection to a peer broke: the process died or the network dropped the stream. */
export class PeerLostError extends CollectiveError {
  constructor(
    readonly ranks: readonly number[],
    readonly reason: string,
  ) {
    super(
      `lost the connection to ${listRanks(ranks)} (${reason}): ` +
        'end this generation and re-join the rendezvous',
    );
    this.name = 'PeerLostError';
  }
}

/** A message or stream from another job, another generation, or without the generation's token. */
export class MessageRefusedError extends CollectiveError {
  constructor(
    readonly ranks: readonly number[],
    readonly reason: string,
  ) {
    super(
      `refused a message from ${listRanks(ranks)}: ${reason}; ` +
        'only members of the current generation may take part, so check the rendezvous assignment',
    );
    this.name = 'MessageRefusedError';
  }
}

/** A peer's chunk has a different length than the local schedule expects: the members disagree. */
export class ChunkSizeMismatchError extends CollectiveError {
  constructor(
    readonly ranks: readonly number[],
    expectedBytes: number,
    actualBytes: number,
  ) {
    super(
      `${listRanks(ranks)} sent ${actualBytes} bytes where ${expectedBytes} were expected: ` +
        'every member must call the collective with the same buffer size and mode',
    );
    this.name = 'ChunkSizeMismatchError';
  }
}

/** The transport was closed (generation ended) while a call was still using it. */
export class TransportClosedError extends CollectiveError {
  readonly ranks: readonly number[] = [];
  constructor() {
    super('the collective transport is closed: create a new one for the next generation');
    this.name = 'TransportClosedError';
  }
}

/** Deterministic mode cannot quantize NaN or ±Inf: the sum would not be exact. */
export class NonFiniteValueError extends CollectiveError {
  readonly ranks: readonly number[] = [];
  constructor() {
    super(
      'deterministic all-reduce got NaN or Inf: lower the learning rate or enable loss scaling, ' +
        'and skip this step',
    );
    this.name = 'NonFiniteValueError';
  }
}
