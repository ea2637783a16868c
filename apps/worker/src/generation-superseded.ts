/** The coordinator formed a newer generation while this one was computing a step. */
export class GenerationSupersededError extends Error {
  constructor() {
    super('a newer generation was formed: this one ends without waiting for its step');
    this.name = 'GenerationSupersededError';
  }
}

/** Rejects with GenerationSupersededError once `signal` aborts; never settles otherwise. */
export function supersededBy(signal: AbortSignal | undefined): Promise<never> {
  const p = new Promise<never>((_, reject) => {
    if (signal === undefined) return;
    if (signal.aborted) {
      reject(new GenerationSupersededError());
      return;
    }
    signal.addEventListener(
      'abort',
      () => {
        reject(new GenerationSupersededError());
      },
      { once: true },
    );
  });
  p.catch(() => undefined);
  return p;
}
