import { performance } from 'node:perf_hooks';

export interface LagReport<T> {
  readonly value: T;
  /** The 10 ms timer's worst lateness while the work ran. */
  readonly maxLagMs: number;
  /** Wall time of the work. */
  readonly ms: number;
  /**
   * Share of that time the main thread's event loop was busy rather than waiting for I/O or timers
   * (`performance.eventLoopUtilization`). Unlike lateness, it barely moves when a loaded machine
   * deschedules an idle process, so it tells "the work ran on this thread" from "the machine is busy".
   */
  readonly utilization: number;
}

/** Runs `work` while a 10 ms timer ticks; returns the work's result, the timer's worst lateness and the loop's use. */
export async function withLag<T>(work: () => Promise<T>): Promise<LagReport<T>> {
  const PERIOD = 10;
  let last = performance.now();
  let maxLagMs = 0;
  const timer = setInterval(() => {
    const now = performance.now();
    maxLagMs = Math.max(maxLagMs, now - last - PERIOD);
    last = now;
  }, PERIOD);
  try {
    const elu = performance.eventLoopUtilization();
    const started = performance.now();
    const value = await work();
    const ms = performance.now() - started;
    const { utilization } = performance.eventLoopUtilization(elu);
    // the tick that was due when the work ended
    await new Promise((resolve) => setTimeout(resolve, 2 * PERIOD));
    return { value, maxLagMs, ms, utilization };
  } finally {
    clearInterval(timer);
  }
}
