import { setTimeout as sleep } from 'node:timers/promises';
import { backoffDelay, DEFAULT_BACKOFF, type BackoffPolicy } from '@repvgg/contracts';
import { CoordinatorRefusedError, CoordinatorUnreachableError } from './client.errors';
import { SseParser, type SseMessage } from './sse.parser';

export interface EventStreamOptions {
  /** Opens the stream, sending Last-Event-ID when given; throws the client's errors. */
  readonly open: (
    lastEventId: string | undefined,
    signal: AbortSignal,
  ) => Promise<ReadableStream<Uint8Array>>;
  /** Resume after this event (e.g. from an earlier run); undefined: from the start. */
  readonly lastEventId?: string;
  /**
   * Asked when the server ended the stream cleanly: true to reconnect. A proxy or a restarting
   * coordinator can close a stream early, so a caller that knows the stream's natural end (a
   * terminal job) checks for it here. Default: never reconnect.
   */
  readonly reconnectAfterEnd?: () => Promise<boolean>;
  readonly policy?: BackoffPolicy;
  /** Reconnects in a row without a new event before the last error is thrown. */
  readonly maxAttempts?: number;
  readonly onReconnect?: (reason: string, attempt: number, delayMs: number) => void;
  readonly signal?: AbortSignal;
}

/** 4xx answers (a wrong token, a deleted job) do not heal by retrying. */
const isPermanent = (err: unknown): boolean => err instanceof CoordinatorRefusedError;

const describe = (err: unknown): string =>
  err instanceof CoordinatorUnreachableError
    ? 'coordinator unreachable'
    : err instanceof Error
      ? err.message
      : String(err);

/**
 * The events of a server-sent event stream, across reconnects: a dropped connection is reopened
 * after a capped, jittered exponential backoff with Last-Event-ID set to the last event seen, so
 * the server replays exactly what was missed. The first connection is not retried, so an
 * unreachable coordinator or a wrong token fails at once.
 */
export async function* readEventStream(opts: EventStreamOptions): AsyncGenerator<SseMessage> {
  const policy = opts.policy ?? DEFAULT_BACKOFF;
  const maxAttempts = opts.maxAttempts ?? 12;
  let lastId = opts.lastEventId;
  let failures = 0;
  let connected = false;
  for (;;) {
    let reason: string;
    let lastError: unknown;
    const aborter = new AbortController();
    const onAbort = (): void => {
      aborter.abort();
    };
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    try {
      const body = await opts.open(lastId, aborter.signal);
      connected = true;
      const parser = new SseParser(lastId);
      const reader = body.getReader();
      try {
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          for (const message of parser.push(value)) {
            lastId = message.id;
            failures = 0;
            yield message;
          }
        }
      } finally {
        aborter.abort();
        reader.releaseLock();
      }
      if (!(await (opts.reconnectAfterEnd?.() ?? Promise.resolve(false)))) return;
      reason = 'the stream ended early';
    } catch (err) {
      if (opts.signal?.aborted === true || !connected || isPermanent(err)) throw err;
      reason = describe(err);
      lastError = err;
    } finally {
      opts.signal?.removeEventListener('abort', onAbort);
    }
    if (failures >= maxAttempts) {
      throw lastError instanceof Error ? lastError : new Error(`${reason} ${failures} times`);
    }
    const delay = backoffDelay(policy, failures);
    failures += 1;
    opts.onReconnect?.(reason, failures, delay);
    await sleep(delay, undefined, { signal: opts.signal });
  }
}
