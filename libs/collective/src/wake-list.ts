/**
 * Waits that end early when the state they wait on changes: `wait(ms)` resolves true when woken by
 * `wakeAll()`, false when `ms` passed first. Outbound links use it for "a socket or stream attached"
 * and "the transport failed".
 */
export class WakeList {
  private waiters: (() => void)[] = [];

  wakeAll(): void {
    for (const wake of this.waiters.splice(0)) wake();
  }

  /** Calls `wake` on the next `wakeAll()`, unless `cancel()` ran first. */
  add(wake: () => void): { cancel: () => void } {
    this.waiters.push(wake);
    return {
      cancel: () => {
        this.waiters = this.waiters.filter((w) => w !== wake);
      },
    };
  }

  wait(ms: number): Promise<boolean> {
    return new Promise((resolve) => {
      if (ms <= 0) {
        resolve(false);
        return;
      }
      const entry = this.add(() => {
        clearTimeout(timer);
        resolve(true);
      });
      const timer = setTimeout(() => {
        entry.cancel();
        resolve(false);
      }, ms);
    });
  }
}
