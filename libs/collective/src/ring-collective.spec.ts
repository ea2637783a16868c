import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { AdaptiveDeadline } from './adaptive-deadline';
import { NonFiniteValueError, PeerTimeoutError } from './collective.error';
import { InMemoryTransport } from './in-memory.transport';
import { RingCollective, type RingCollectiveOptions } from './ring-collective';
import { ReduceArena } from './simd/reduce-arena';

/** Deterministic pseudo-random floats with a wide dynamic range (LCG; tests must be reproducible). */
function randomArray(length: number, seed: number): Float32Array {
  let s = seed >>> 0 || 1;
  const out = new Float32Array(length);
  for (let i = 0; i < length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    const u = s / 2 ** 32 - 0.5;
    out[i] = u * 10 ** ((s >>> 8) % 7) * 1e-3;
  }
  return out;
}

/** Largest amount by which |out − Σ inputs| (in float64) exceeds relative·Σ|inputs| + absolute. */
function worstExcess(
  out: Float32Array,
  inputs: Float32Array[],
  relative: number,
  absolute: number,
): number {
  let worst = -Infinity;
  for (let i = 0; i < out.length; i++) {
    let exact = 0;
    let magnitude = 0;
    for (const x of inputs) {
      exact += x[i];
      magnitude += Math.abs(x[i]);
    }
    worst = Math.max(worst, Math.abs(out[i] - exact) - (relative * magnitude + absolute));
  }
  return worst;
}

function ring(n: number, options: RingCollectiveOptions): RingCollective[] {
  return InMemoryTransport.ring(n).map((t) => new RingCollective(t, options));
}

async function allReduceAll(
  members: RingCollective[],
  inputs: Float32Array[],
): Promise<Float32Array[]> {
  const buffers = inputs.map((x) => Float32Array.from(x));
  await Promise.all(members.map((m, r) => m.allReduce(7, buffers[r])));
  return buffers;
}

describe('RingCollective fast mode (in memory)', () => {
  const cases: [number, number][] = [
    [1, 1],
    [2, 1],
    [3, 2],
    [4, 1001],
    [5, 7],
    [6, 65_537],
    [7, 13],
    [8, 100_003],
  ];
  it.each(cases)(
    'N=%i, %i elements: every member holds the float64 sum within f32 tolerance',
    async (n, length) => {
      const inputs = Array.from({ length: n }, (_, r) => randomArray(length, 11 + r));
      const out = await allReduceAll(ring(n, { mode: 'fast', chunkBytes: 4096 }), inputs);
      expect(worstExcess(out[0], inputs, n * 2 ** -23, 0)).toBeLessThanOrEqual(0);
      for (const o of out) expect(o).toEqual(out[0]);
    },
  );

  it('N=1 leaves the buffer untouched and sends nothing', async () => {
    const [t] = InMemoryTransport.ring(1);
    const c = new RingCollective(t, { mode: 'fast' });
    const data = randomArray(10, 3);
    const before = Float32Array.from(data);
    await c.allReduce(0, data);
    expect(data).toEqual(before);
    expect(t.mailbox.pendingArrivals).toBe(0);
  });

  it('fp16 on the wire: within half precision, identical on all members', async () => {
    const n = 4;
    const inputs = Array.from({ length: n }, (_, r) =>
      randomArray(5003, 40 + r).map((v) => v * 10),
    );
    const out = await allReduceAll(
      ring(n, { mode: 'fast', fp16Wire: true, chunkBytes: 1024 }),
      inputs,
    );
    expect(worstExcess(out[0], inputs, n * 2 ** -10, 1e-6)).toBeLessThanOrEqual(0);
    for (const o of out) expect(o).toEqual(out[0]);
  });

  it('consecutive calls in one step do not mix their messages', async () => {
    const members = ring(3, { mode: 'fast', chunkBytes: 64 });
    const a = [1, 2, 3].map((v) => new Float32Array(50).fill(v));
    const b = [10, 20, 30].map((v) => new Float32Array(70).fill(v));
    await Promise.all(
      members.map((m, r) => Promise.all([m.allReduce(1, a[r]), m.allReduce(1, b[r])])),
    );
    for (const x of a) expect(x).toEqual(new Float32Array(50).fill(6));
    for (const x of b) expect(x).toEqual(new Float32Array(70).fill(60));
  });

  it('calls of two steps interleaved in another order on each member keep their messages apart', async () => {
    // As a pipelined step loop issues them: step 1's broadcast may start before or after step 2's
    // first all-reduce, depending on the member; each step's calls are still in the same order.
    const members = ring(2, { mode: 'fast', deadline: new AdaptiveDeadline({ floorMs: 500 }) });
    const first = [1, 2].map((v) => new Float32Array(30).fill(v));
    const second = [10, 20].map((v) => new Float32Array(40).fill(v));
    const flags: Promise<Uint8Array>[] = [];
    const [leader, follower] = members;
    await Promise.all([leader.allReduce(1, first[0]), follower.allReduce(1, first[1])]);
    flags.push(leader.broadcast(1, 0, Uint8Array.of(7)));
    const leaderNext = leader.allReduce(2, second[0]);
    const followerNext = follower.allReduce(2, second[1]);
    flags.push(follower.broadcast(1, 0, undefined));
    await Promise.all([leaderNext, followerNext]);
    expect((await Promise.all(flags)).map((f) => [...f])).toEqual([[7], [7]]);
    for (const x of second) expect(x).toEqual(new Float32Array(40).fill(30));
    // Both members' next call of step 1 still agrees.
    const again = [3, 4].map((v) => new Float32Array(5).fill(v));
    await Promise.all(members.map((m, r) => m.allReduce(1, again[r])));
    for (const x of again) expect(x).toEqual(new Float32Array(5).fill(7));
  });
});

describe('RingCollective reduce buffers: SIMD adds on staged chunks (in memory)', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it.each([
    [2, 1],
    [2, 3001],
    [3, 7],
    [5, 65_537],
    [8, 100_003],
  ])(
    'N=%i, %i elements: the same bits as a plain array, through the SIMD add',
    async (n, length) => {
      const inputs = Array.from({ length: n }, (_, r) => randomArray(length, 70 + r));
      const plain = await allReduceAll(ring(n, { mode: 'fast', chunkBytes: 4096 }), inputs);
      const adds = vi.spyOn(ReduceArena.prototype, 'addInto');
      const members = ring(n, { mode: 'fast', chunkBytes: 4096 });
      const buffers = members.map((m, r) => {
        const b = m.reduceBuffer(length);
        b.set(inputs[r]);
        return b;
      });
      await Promise.all(members.map((m, r) => m.allReduce(7, buffers[r])));
      const expected = Buffer.from(plain[0].buffer);
      for (const b of buffers) {
        expect(Buffer.from(b.buffer, b.byteOffset, b.byteLength).equals(expected)).toBe(true);
      }
      expect(adds).toHaveBeenCalled();
    },
  );

  it('one buffer per size: the same array again, a new size replaces it, the old still sums', async () => {
    const members = ring(2, { mode: 'fast', chunkBytes: 64 });
    const first = members.map((m) => m.reduceBuffer(100));
    expect(members[0].reduceBuffer(100)).toBe(first[0]);
    const second = members.map((m) => m.reduceBuffer(50));
    expect(second[0]).not.toBe(first[0]);
    const adds = vi.spyOn(ReduceArena.prototype, 'addInto');
    first.forEach((b, r) => b.fill(r + 1));
    await Promise.all(members.map((m, r) => m.allReduce(1, first[r])));
    for (const b of first) expect(b.every((x) => x === 3)).toBe(true);
    expect(adds).not.toHaveBeenCalled();
  });

  it('overlapping calls on one buffer: one uses the staging area, the other the plain path', async () => {
    const adds = vi.spyOn(ReduceArena.prototype, 'addInto');
    const members = ring(3, { mode: 'fast', chunkBytes: 64 });
    const buffers = members.map((m, r) => m.reduceBuffer(300).fill(r + 1));
    await Promise.all(
      members.map((m, r) =>
        Promise.all([
          m.allReduce(2, buffers[r].subarray(0, 120)),
          m.allReduce(2, buffers[r].subarray(120)),
        ]),
      ),
    );
    for (const b of buffers) expect(b.every((x) => x === 6)).toBe(true);
    expect(adds).toHaveBeenCalled();
  });

  it('allReduceContributions hands back arrays a later call does not overwrite', async () => {
    const members = ring(2, { mode: 'fast', chunkBytes: 64 });
    const sum = (v: number): Promise<Float32Array[]> =>
      Promise.all(members.map((m) => m.allReduceContributions(v, [new Float32Array(90).fill(v)])));
    const [a] = await sum(1);
    const [b] = await sum(5);
    expect(a.every((x) => x === 2)).toBe(true);
    expect(b.every((x) => x === 10)).toBe(true);
  });

  it('deterministic mode adds its fixed-point sums in a float64 arena', async () => {
    const adds = vi.spyOn(ReduceArena.prototype, 'addInto');
    const members = ring(3, { mode: 'deterministic', chunkBytes: 800 });
    const out = await Promise.all(
      members.map((m, r) => m.allReduceContributions(4, [randomArray(999, 5 + r)])),
    );
    expect(adds).toHaveBeenCalled();
    expect(adds.mock.calls[0]?.[0]).toBeInstanceOf(Float64Array);
    for (const o of out) expect(o).toEqual(out[0]);
  });
});

describe('RingCollective deterministic mode (in memory)', () => {
  const contributions = Array.from({ length: 8 }, (_, v) => randomArray(1237, 100 + v));

  /** Spreads the 8 contributions over n members as `assignment` says and all-reduces. */
  async function sumWith(n: number, assignment: number[]): Promise<Float32Array[]> {
    const members = ring(n, { mode: 'deterministic', chunkBytes: 800 });
    const held = members.map((_, r) => contributions.filter((_, v) => assignment[v] === r));
    return Promise.all(
      members.map((m, r) =>
        m.allReduceContributions(3, held[r].length > 0 ? held[r] : [new Float32Array(1237)]),
      ),
    );
  }

  it('bit-identical for N = 1, 2, 3, 5, 8', async () => {
    const reference = (await sumWith(1, [0, 0, 0, 0, 0, 0, 0, 0]))[0];
    for (const n of [2, 3, 5, 8]) {
      const out = await sumWith(
        n,
        contributions.map((_, v) => v % n),
      );
      for (const o of out)
        expect(Buffer.from(o.buffer).equals(Buffer.from(reference.buffer))).toBe(true);
    }
    const exact = contributions.reduce((s, x) => s + x[5], 0);
    expect(Math.abs(reference[5] - exact)).toBeLessThanOrEqual(Math.abs(exact) * 2 ** -23 + 1e-12);
  });

  it('bit-identical for any assignment of contributions to members (property)', async () => {
    const reference = (await sumWith(1, [0, 0, 0, 0, 0, 0, 0, 0]))[0];
    await fc.assert(
      fc.asyncProperty(
        fc
          .integer({ min: 2, max: 6 })
          .chain((n) =>
            fc.tuple(
              fc.constant(n),
              fc.array(fc.integer({ min: 0, max: n - 1 }), { minLength: 8, maxLength: 8 }),
            ),
          ),
        async ([n, assignment]) => {
          const out = await sumWith(n, assignment);
          return out.every((o) => Buffer.from(o.buffer).equals(Buffer.from(reference.buffer)));
        },
      ),
      { numRuns: 25 },
    );
  });

  it('fails on every member when any value is not finite', async () => {
    const members = ring(3, { mode: 'deterministic' });
    const inputs = [new Float32Array([1, 2]), new Float32Array([NaN, 0]), new Float32Array([3, 4])];
    const results = await Promise.allSettled(members.map((m, r) => m.allReduce(0, inputs[r])));
    for (const result of results) {
      expect(result.status).toBe('rejected');
      expect((result as PromiseRejectedResult).reason).toBeInstanceOf(NonFiniteValueError);
    }
  });
});

describe('RingCollective broadcast and deadlines (in memory)', () => {
  it.each([1, 2, 5])('broadcast from every root reaches all of N=%i', async (n) => {
    for (let root = 0; root < n; root++) {
      const members = ring(n, { mode: 'fast', broadcastChunkBytes: 1000 });
      const data = new Uint8Array(4567).map((_, i) => (i * 31 + root) & 0xff);
      const out = await Promise.all(
        members.map((m, r) => m.broadcast(2, root, r === root ? data : undefined)),
      );
      for (const o of out) expect(o).toEqual(data);
    }
  });

  it('a silent member makes its neighbour fail with an error naming it', async () => {
    const members = ring(3, { mode: 'fast', deadline: new AdaptiveDeadline({ floorMs: 50 }) });
    const live = [members[0], members[2]];
    const outcome = Promise.allSettled(live.map((m) => m.allReduce(0, new Float32Array(9))));
    const [, fromLeftOfDead] = await outcome;
    expect(fromLeftOfDead.status).toBe('rejected');
    const reason = (fromLeftOfDead as PromiseRejectedResult).reason as PeerTimeoutError;
    expect(reason).toBeInstanceOf(PeerTimeoutError);
    expect(reason.ranks).toEqual([1]);
    await Promise.all(members.map((m) => m.close()));
  });
});
