import { describe, it, expect } from 'vitest';
import { KeyedChain } from './keyed-chain';

const tick = (): Promise<void> => new Promise((r) => setTimeout(r, 1));

describe('KeyedChain', () => {
  it('runs one key in call order, past failures, while other keys run at once', async () => {
    const chain = new KeyedChain();
    const log: string[] = [];
    const task =
      (name: string, fail = false) =>
      async (): Promise<string> => {
        log.push(`start ${name}`);
        await tick();
        log.push(`end ${name}`);
        if (fail) throw new Error(name);
        return name;
      };
    const a1 = chain.run('a', task('a1', true));
    const a2 = chain.run('a', task('a2'));
    const b1 = chain.run('b', task('b1'));
    await expect(a1).rejects.toThrow('a1');
    expect(await a2).toBe('a2');
    expect(await b1).toBe('b1');
    expect(log.indexOf('end a1')).toBeLessThan(log.indexOf('start a2'));
    expect(log.indexOf('start b1')).toBeLessThan(log.indexOf('end a1'));
  });

  it('idle() waits for every queued task', async () => {
    const chain = new KeyedChain();
    let done = false;
    void chain.run('a', async () => {
      await tick();
      done = true;
    });
    await chain.idle();
    expect(done).toBe(true);
  });
});
