/**
 * `record` called at most once per `intervalMs`: the first call goes through, later ones within the
 * interval of the last one that did are dropped (resolving at once). For writes that only report
 * progress, where the latest value a moment late is as good as every value.
 */
export function atMostEvery<A extends unknown[]>(
  intervalMs: number,
  record: (...args: A) => Promise<void>,
  now: () => number = Date.now,
): (...args: A) => Promise<void> {
  let last = Number.NEGATIVE_INFINITY;
  return (...args: A) => {
    const t = now();
    if (t - last < intervalMs) return Promise.resolve();
    last = t;
    return record(...args);
  };
}
