import { describe, expect, it } from 'vitest';
import { BufferPool } from './buffer-pool';

describe('BufferPool', () => {
  it('reuses a released allocation that fits, within its byte budget', () => {
    const pool = new BufferPool(3000);
    const a = pool.acquire(1000);
    expect(a.length).toBe(1000);
    pool.release(a);
    const b = pool.acquire(900);
    expect(b.buffer).toBe(a.buffer);
    expect(b.length).toBe(900);
    const c = pool.acquire(100);
    expect(c.buffer).not.toBe(a.buffer);
    pool.release(b);
    expect(pool.acquire(3000).buffer).not.toBe(a.buffer);
  });

  it('keeps no more than its budget', () => {
    const pool = new BufferPool(1500);
    const [a, b] = [pool.acquire(1000), pool.acquire(1000)];
    pool.release(a);
    pool.release(b);
    expect(pool.acquire(1000).buffer).toBe(a.buffer);
    expect(pool.acquire(1000).buffer).not.toBe(b.buffer);
  });

  it('never pools memory it did not allocate (a caller buffer handed back by mistake)', () => {
    const pool = new BufferPool(1 << 20);
    const foreign = [new Uint8Array(1000), Buffer.from(new ArrayBuffer(1000))];
    for (const f of foreign) pool.release(f);
    for (const size of [1000, 600]) {
      const got = pool.acquire(size).buffer;
      for (const f of foreign) expect(got).not.toBe(f.buffer);
    }
  });
});
