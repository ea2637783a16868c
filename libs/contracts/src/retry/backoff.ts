/**
 * Capped exponential backoff with full jitter (AWS Architecture Blog, "Exponential Backoff And
 * Jitter"): the n-th wait is uniform in [0, min(cap, base·2^n)). Jitter keeps many clients that lost
 * the same server from retrying in lockstep when it comes back.
 */
export interface BackoffPolicy {
  /** Upper bound of the first wait. */
  readonly baseMs: number;
  /** No wait is longer than this. */
  readonly capMs: number;
}

/** 0.2 s → 10 s: a peer that restarts within seconds is found within about its restart time. */
export const DEFAULT_BACKOFF: BackoffPolicy = { baseMs: 200, capMs: 10_000 };

/** The wait before retry number `attempt` (0-based); `random` returns a number in [0, 1). */
export function backoffDelay(
  policy: BackoffPolicy,
  attempt: number,
  random: () => number = Math.random,
): number {
  // 2^attempt overflows to Infinity for large attempts; min() with the cap keeps it finite.
  const ceiling = Math.min(policy.capMs, policy.baseMs * 2 ** Math.max(0, attempt));
  return Math.floor(random() * ceiling);
}

export interface RetryOptions {
  readonly policy?: BackoffPolicy;
  /** Whether a failure is worth retrying; a false answer rethrows it. Default: every failure. */
  readonly retryable?: (err: unknown) => boolean;
  /** Called before each wait, e.g. to log (rate-limit the log with `everyMs`). */
  readonly onRetry?: (err: unknown, attempt: number, delayMs: number) => void;
  /** Stops waiting: the promise rejects with the signal's reason. */
  readonly signal?: AbortSignal;
  readonly random?: () => number;
  readonly sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted === true) {
      reject(signal.reason as Error);
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal?.reason as Error);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** Runs `fn` until it succeeds, waiting `backoffDelay` between attempts. */
export async function retryWithBackoff<T>(
  fn: (attempt: number) => Promise<T>,
  opts: RetryOptions = {},
): Promise<T> {
  const policy = opts.policy ?? DEFAULT_BACKOFF;
  const sleep = opts.sleep ?? abortableSleep;
  for (let attempt = 0; ; attempt++) {
    if (opts.signal?.aborted === true) throw opts.signal.reason as Error;
    try {
      return await fn(attempt);
    } catch (err) {
      if (opts.retryable !== undefined && !opts.retryable(err)) throw err;
      const delay = backoffDelay(policy, attempt, opts.random);
      opts.onRetry?.(err, attempt, delay);
      await sleep(delay, opts.signal);
    }
  }
}

/**
 * A gate that opens at most once per `intervalMs`: retry loops log through it so a long outage
 * prints one line per interval, not one per attempt.
 */
export function everyMs(intervalMs: number, now: () => number = Date.now): () => boolean {
  let last = -Infinity;
  return () => {
    const t = now();
    if (t - last < intervalMs) return false;
    last = t;
    return true;
  };
}
