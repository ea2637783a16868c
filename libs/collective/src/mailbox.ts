import { TransportClosedError } from './collective.error';

interface Waiter {
  resolve: (payload: Uint8Array) => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
}

/**
 * Matches arriving payloads with receives by key, in whichever order they come: a chunk may arrive
 * long before the algorithm asks for it. Shared by every transport.
 */
export class Mailbox {
  private readonly arrived = new Map<string, Uint8Array>();
  private readonly waiting = new Map<string, Waiter>();
  private failure: Error | undefined;

  deliver(key: string, payload: Uint8Array): void {
    const waiter = this.waiting.get(key);
    if (waiter === undefined) {
      this.arrived.set(key, payload);
      return;
    }
    this.waiting.delete(key);
    clearTimeout(waiter.timer);
    waiter.resolve(payload);
  }

  /** `onTimeout` decides which error the expired receive gets (it may probe peers first). */
  take(key: string, timeoutMs: number, onTimeout: () => Promise<Error>): Promise<Uint8Array> {
    if (this.failure !== undefined) return Promise.reject(this.failure);
    const ready = this.arrived.get(key);
    if (ready !== undefined) {
      this.arrived.delete(key);
      return Promise.resolve(ready);
    }
    return new Promise<Uint8Array>((resolve, reject) => {
      const timer = setTimeout(() => {
        if (this.waiting.get(key)?.timer !== timer) return;
        void onTimeout().then((error) => {
          if (this.waiting.get(key)?.timer !== timer) return;
          this.waiting.delete(key);
          reject(error);
        });
      }, timeoutMs);
      this.waiting.set(key, { resolve, reject, timer });
    });
  }

  /** Fails every pending receive whose key matches `predicate`, e.g. those from a lost peer. */
  failWhere(predicate: (key: string) => boolean, error: Error): void {
    for (const [key, waiter] of this.waiting) {
      if (!predicate(key)) continue;
      this.waiting.delete(key);
      clearTimeout(waiter.timer);
      waiter.reject(error);
    }
  }

  /** Fails everything now and later: the transport is finished. */
  close(error: Error = new TransportClosedError()): void {
    this.failure ??= error;
    this.failWhere(() => true, this.failure);
    this.arrived.clear();
  }

  get pendingArrivals(): number {
    return this.arrived.size;
  }
}
