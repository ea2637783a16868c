/**
 * Runs the tasks of one key one after another, in call order; tasks of different keys run at once.
 * A failed task does not stop the ones queued after it.
 */
export class KeyedChain {
  private readonly tails = new Map<string, Promise<unknown>>();

  run<T>(key: string, task: () => Promise<T>): Promise<T> {
    const next = (this.tails.get(key) ?? Promise.resolve()).then(task, task);
    const settled = next.catch(() => undefined);
    this.tails.set(key, settled);
    // Forget idle keys, or the map would keep one entry per job ever seen.
    void settled.then(() => {
      if (this.tails.get(key) === settled) this.tails.delete(key);
    });
    return next;
  }

  /** Resolves once every task queued so far has settled. */
  async idle(): Promise<void> {
    await Promise.all([...this.tails.values()]);
  }
}
