import { useEffect, useRef, useState } from 'preact/hooks';

export interface Polled<T> {
  readonly data: T | null;
  readonly error: Error | null;
  /** Fetches again now (after an action changed what the page shows). */
  readonly refresh: () => void;
}

/** Calls `load` now and every `everyMs` while the component is mounted; keeps the latest answer. */
export function usePoll<T>(
  load: () => Promise<T>,
  everyMs: number,
  deps: readonly unknown[],
): Polled<T> {
  const [data, setData] = useState<T | null>(null);
  const [error, setError] = useState<Error | null>(null);
  const tick = useRef<() => void>(() => undefined);

  useEffect(() => {
    let alive = true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const run = (): void => {
      clearTimeout(timer);
      load()
        .then(
          (d) => {
            if (!alive) return;
            setData(d);
            setError(null);
          },
          (err: unknown) => {
            if (alive) setError(err instanceof Error ? err : new Error(String(err)));
          },
        )
        .finally(() => {
          if (alive) timer = setTimeout(run, everyMs);
        });
    };
    tick.current = run;
    run();
    return () => {
      alive = false;
      clearTimeout(timer);
    };
    // `deps` decide when polling restarts, as with useEffect itself
  }, deps);

  return {
    data,
    error,
    refresh: () => {
      tick.current();
    },
  };
}
