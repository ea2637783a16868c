import { afterEach, describe, expect, it, vi } from 'vitest';
import { InMemoryTransport } from './in-memory.transport';
import { ringAllReduce } from './ring-allreduce';
import { ReduceArena } from './simd/reduce-arena';
import { F32_WIRE } from './wire-codec';

const options = (step: number) => ({ step, seq: 0, timeoutMs: 5000, chunkElements: 10 });

/** Member r's input: distinct, non-integer values so that the order of additions shows in the bits. */
const input = (r: number, length: number): Float32Array =>
  Float32Array.from({ length }, (_, i) => Math.sin(i * 0.37 + r) * 10 ** ((i + r) % 5));

describe('ringAllReduce with a staging area', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('lanes beyond a capped staging area add in JavaScript: same bits, fewer SIMD adds', async () => {
    const n = 3;
    const length = 301; // segments of 100–101 elements: 11 lanes of up to 10
    const plain = Array.from({ length: n }, (_, r) => input(r, length));
    const plainRing = InMemoryTransport.ring(n);
    await Promise.all(
      plainRing.map((t, r) => ringAllReduce(t, plain[r], F32_WIRE, 'sum', options(1))),
    );

    const adds = vi.spyOn(ReduceArena.prototype, 'addInto');
    const arenas = Array.from({ length: n }, () => ReduceArena.create('f32', length, 4 * 10));
    const stagedRing = InMemoryTransport.ring(n);
    await Promise.all(
      stagedRing.map((t, r) => {
        const arena = arenas[r];
        if (arena === undefined) throw new Error('no arena');
        arena.data.set(input(r, length));
        return ringAllReduce(t, arena.data, F32_WIRE, 'sum', options(1), arena);
      }),
    );
    for (const arena of arenas) {
      expect(Array.from(arena?.data ?? [])).toEqual(Array.from(plain[0]));
    }
    // 4 staged lanes × (N − 1) reduce-scatter steps × N members
    expect(adds).toHaveBeenCalledTimes(4 * (n - 1) * n);
  });

  it('a max reduction never uses the staging area', async () => {
    const adds = vi.spyOn(ReduceArena.prototype, 'addInto');
    const ring = InMemoryTransport.ring(2);
    const arenas = ring.map(() => ReduceArena.create('f32', 50, 50));
    await Promise.all(
      ring.map((t, r) => {
        const arena = arenas[r];
        if (arena === undefined) throw new Error('no arena');
        arena.data.fill(r + 1);
        return ringAllReduce(t, arena.data, F32_WIRE, 'max', options(2), arena);
      }),
    );
    for (const arena of arenas) expect(arena?.data.every((x) => x === 2)).toBe(true);
    expect(adds).not.toHaveBeenCalled();
  });
});
