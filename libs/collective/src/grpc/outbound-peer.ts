import type { CollectiveError } from '../collective.error';
import { WakeList } from '../wake-list';
import type { PullStream } from './grpc-server';

/** Whether a write found room in time; on 'timeout' the transport names the missing rank. */
export type WriteOutcome = 'written' | 'timeout';

/**
 * What this rank sends to one peer: the peer's Pull streams (one per connection, chunks spread
 * round-robin), writes serialized per stream so `write()` backpressure is honoured in order, and
 * every wait bounded by the caller's deadline.
 */
export class OutboundPeer {
  private readonly streams: PullStream[] = [];
  private readonly tails: Promise<unknown>[] = [];
  private readonly wakes = new WakeList();
  private next = 0;

  constructor(
    private readonly connections: number,
    /** The transport's failure, if any: checked after every wait. */
    private readonly broken: () => CollectiveError | undefined,
    /** Called with a message once grpc-js has framed (copied) it, so its buffer can be reused. */
    private readonly written: (encoded: Buffer) => void,
  ) {}

  get full(): boolean {
    return this.streams.length >= this.connections;
  }

  attach(stream: PullStream): void {
    this.streams.push(stream);
    this.wakeAll();
  }

  /** Wakes every waiting write so it re-checks the transport state. */
  wakeAll(): void {
    this.wakes.wakeAll();
  }

  end(): void {
    this.wakeAll();
    for (const stream of this.streams) stream.end();
  }

  /** Queues `encoded` on the next connection; waits for the peer's stream and for `drain`. */
  write(encoded: Buffer, budgetMs: number): Promise<WriteOutcome> {
    const lane = this.next++ % this.connections;
    const result = (this.tails[lane] ?? Promise.resolve()).then(() =>
      this.writeOn(lane, encoded, budgetMs),
    );
    this.tails[lane] = result.catch(() => undefined);
    return result;
  }

  private async writeOn(lane: number, encoded: Buffer, budgetMs: number): Promise<WriteOutcome> {
    const deadline = Date.now() + budgetMs;
    while (this.broken() === undefined && this.streams.length <= lane) {
      if (!(await this.wakes.wait(deadline - Date.now()))) return 'timeout';
    }
    this.throwIfBroken();
    const stream = this.streams[lane];
    const hasRoom = stream.write(encoded, () => {
      this.written(encoded);
    });
    if (hasRoom) return 'written';
    const drained = await new Promise<boolean>((resolve) => {
      const done = (ok: boolean): void => {
        clearTimeout(timer);
        stream.off('drain', onDrain);
        wake.cancel();
        resolve(ok);
      };
      const onDrain = (): void => {
        done(true);
      };
      const onWake = (): void => {
        done(true);
      };
      const timer = setTimeout(
        () => {
          done(false);
        },
        Math.max(0, deadline - Date.now()),
      );
      stream.on('drain', onDrain);
      const wake = this.wakes.add(onWake);
    });
    this.throwIfBroken();
    return drained ? 'written' : 'timeout';
  }

  private throwIfBroken(): void {
    const broken = this.broken();
    if (broken !== undefined) throw broken;
  }
}
