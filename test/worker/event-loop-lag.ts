/** Runs `work` while a 10 ms timer ticks; returns the work's result and the timer's worst lateness. */
export async function withLag<T>(work: () => Promise<T>): Promise<{ value: T; maxLagMs: number }> {
  const PERIOD = 10;
  let last = performance.now();
  let maxLagMs = 0;
  const timer = setInterval(() => {
    const now = performance.now();
    maxLagMs = Math.max(maxLagMs, now - last - PERIOD);
    last = now;
  }, PERIOD);
  try {
    const value = await work();
    // the tick that was due when the work ended
    await new Promise((resolve) => setTimeout(resolve, 2 * PERIOD));
    return { value, maxLagMs };
  } finally {
    clearInterval(timer);
  }
}
