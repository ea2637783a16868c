import { PeerTimeoutError, TransportClosedError } from './collective.error';
import { Mailbox } from './mailbox';
import { addressKey, type ChunkAddress, type PeerTransport } from './peer-transport';

/** Members of one in-process ring; used by unit tests and by single-process simulations. */
export class InMemoryTransport implements PeerTransport {
  readonly mailbox = new Mailbox();
  private closed = false;

  private constructor(
    readonly rank: number,
    readonly worldSize: number,
    private readonly peers: InMemoryTransport[],
  ) {}

  /** Creates `worldSize` connected transports, index = rank. */
  static ring(worldSize: number): InMemoryTransport[] {
    const peers: InMemoryTransport[] = [];
    for (let rank = 0; rank < worldSize; rank++) {
      peers.push(new InMemoryTransport(rank, worldSize, peers));
    }
    return peers;
  }

  send(to: number, address: ChunkAddress, payload: Uint8Array, _timeoutMs: number): Promise<void> {
    if (this.closed) return Promise.reject(new TransportClosedError());
    if (to < 0 || to >= this.worldSize) {
      throw new RangeError(`rank ${to} is outside 0..${this.worldSize - 1}`);
    }
    const peer = this.peers[to];
    // Delivery on a later tick, as a socket would: algorithms must not rely on synchronous hand-off.
    const copy = new Uint8Array(payload);
    setImmediate(() => {
      if (!peer.closed) peer.mailbox.deliver(addressKey(this.rank, address), copy);
    });
    return Promise.resolve();
  }

  receive(from: number, address: ChunkAddress, timeoutMs: number): Promise<Uint8Array> {
    return this.mailbox.take(addressKey(from, address), timeoutMs, () =>
      Promise.resolve(new PeerTimeoutError([from], timeoutMs)),
    );
  }

  close(): Promise<void> {
    this.closed = true;
    this.mailbox.close();
    return Promise.resolve();
  }
}
