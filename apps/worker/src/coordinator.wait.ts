import { DEFAULT_BACKOFF, everyMs, retryWithBackoff } from '@repvgg/contracts';
import { RendezvousCallError } from './worker.error';

/** A long outage prints one line per this interval, not one per attempt. */
const NOTICE_INTERVAL_MS = 10_000;

/**
 * Registers with backoff while no coordinator answers (not started yet, restarting): exiting would
 * turn a coordinator restart into a crash loop of every worker. A refusal is rethrown at once.
 */
export function registerWhenReachable<T>(
  register: () => Promise<T>,
  coordinator: string,
  log: (line: string) => void,
  signal?: AbortSignal,
): Promise<T> {
  const notice = everyMs(NOTICE_INTERVAL_MS);
  return retryWithBackoff(register, {
    policy: DEFAULT_BACKOFF,
    retryable: (err) => err instanceof RendezvousCallError && err.unreachable,
    onRetry: (err, attempt) => {
      if (notice()) {
        const reason = err instanceof Error ? err.message : String(err);
        log(`waiting for the coordinator at ${coordinator} (attempt ${attempt + 1}: ${reason})`);
      }
    },
    ...(signal === undefined ? {} : { signal }),
  });
}
