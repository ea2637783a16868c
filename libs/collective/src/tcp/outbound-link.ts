import type { Socket } from 'node:net';
import type { CollectiveError } from '../collective.error';
import { WakeList } from '../wake-list';

/** Whether a frame reached the kernel in time; on 'timeout' the transport names the missing rank. */
export type LinkWriteOutcome = 'written' | 'timeout';

/**
 * What this rank sends to one peer over the data plane: the socket the peer opened to us (its
 * receiving end), once admitted. A write hands header and payload to the kernel in one `writev`
 * without copying the payload, and resolves only when the kernel has taken it: until then the caller
 * must leave the payload untouched, and a slow receiver throttles the sender (backpressure).
 */
export class OutboundLink {
  private socket: Socket | undefined;
  private readonly wakes = new WakeList();

  constructor(
    /** The transport's failure, if any: checked after every wait. */
    private readonly broken: () => CollectiveError | undefined,
  ) {}

  get attached(): boolean {
    return this.socket !== undefined;
  }

  attach(socket: Socket): void {
    this.socket = socket;
    this.wakeAll();
  }

  /** Wakes every waiting write so it re-checks the transport state. */
  wakeAll(): void {
    this.wakes.wakeAll();
  }

  end(): void {
    this.wakeAll();
    this.socket?.destroy();
  }

  async write(
    header: Uint8Array,
    payload: Uint8Array,
    budgetMs: number,
  ): Promise<LinkWriteOutcome> {
    const deadline = Date.now() + budgetMs;
    while (this.broken() === undefined && this.socket === undefined) {
      if (!(await this.wakes.wait(deadline - Date.now()))) return 'timeout';
    }
    this.throwIfBroken();
    const socket = this.socket;
    if (socket === undefined) return 'timeout';
    const flushed = new Promise<boolean>((resolve) => {
      const settle = (inTime: boolean): void => {
        clearTimeout(timer);
        failure.cancel();
        resolve(inTime);
      };
      const timer = setTimeout(
        () => {
          settle(false);
        },
        Math.max(0, deadline - Date.now()),
      );
      // Only a failure ends the wait early (it is thrown below).
      const onWake = (): void => {
        if (this.broken() !== undefined) settle(true);
        else failure = this.wakes.add(onWake);
      };
      let failure = this.wakes.add(onWake);
      const done = (): void => {
        settle(true);
      };
      if (payload.byteLength === 0) {
        socket.write(header, done);
        return;
      }
      socket.cork();
      socket.write(header);
      socket.write(payload, done);
      socket.uncork();
    });
    const inTime = await flushed;
    this.throwIfBroken();
    return inTime ? 'written' : 'timeout';
  }

  private throwIfBroken(): void {
    const broken = this.broken();
    if (broken !== undefined) throw broken;
  }
}
