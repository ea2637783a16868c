import { afterEach, describe, expect, it } from 'vitest';
import { DATA_PLANES, InMemoryTransport, RingCollective } from '@repvgg/collective';
import { fixtureInput, sha256 } from './fixture-data';
import type { MemberCommand } from './ring-member.fixture';
import { type Outcome, RingCluster } from './ring-cluster';

let cluster: RingCluster | undefined;
afterEach(() => {
  cluster?.stop();
  cluster = undefined;
});

type DoneOutcome = Extract<Outcome, { type: 'done' }>;
const done = (o: Outcome): DoneOutcome => {
  if (o.type !== 'done') throw new Error(`member failed: ${o.message}`);
  return o;
};

/** A fast all-reduce of inputs `seed + rank`, each member keeping its result for a `check`. */
const allReduce = (step: number, length: number, seed: number): MemberCommand => ({
  type: 'allreduce',
  step,
  length,
  seed,
  samples: [],
});

/**
 * Every element of a fast (order-free) float32 sum of n inputs against the float64 sum: recursive
 * summation errs by at most (n − 1)·2⁻²⁴·Σ|x| (the inputs are float32, so exact in float64), and
 * n·2⁻²³ leaves a factor of two for that. A chunk summed twice, left out or misplaced puts whole
 * inputs (five decades of magnitude) into its elements, far above the bound at its worst element.
 */
async function expectWithinSummationBound(
  c: RingCluster,
  n: number,
  length: number,
): Promise<void> {
  // Every member's result has the same sha256 (checked before), so rank 0's stands for all.
  const [o] = (await c.run(() => ({ type: 'check', members: n }), [0])).map(done);
  const worst = o.worst;
  if (worst === undefined) throw new Error('rank 0 did not check its result');
  expect(worst.index, 'an element was checked').toBeGreaterThanOrEqual(0);
  expect(worst.index).toBeLessThan(length);
  expect(
    worst.error,
    `element ${String(worst.index)} of ${String(length)}: |result − exact| against n·2⁻²³·Σ|x|`,
  ).toBeLessThanOrEqual(n * 2 ** -23 * worst.magnitude);
}

/** The deterministic sum of the given contributions computed by a single member. */
async function singleMemberSum(length: number, seeds: number[]): Promise<string> {
  const [t] = InMemoryTransport.ring(1);
  const ring = new RingCollective(t, { mode: 'deterministic' });
  return sha256(
    await ring.allReduceContributions(
      0,
      seeds.map((s) => fixtureInput(length, s)),
    ),
  );
}

describe.each(DATA_PLANES)(
  'ring collectives across separate processes, %s data plane',
  (dataPlane) => {
    it.each([2, 5, 8])(
      'N=%i: fast sums match float64, deterministic sums match one member bit for bit',
      async (n) => {
        cluster = await RingCluster.start(n, { dataPlane, chunkBytes: 64 * 1024 });
        let step = 0;
        for (const length of [1, 7, 1001, 100_003]) {
          const at = step++;
          const outcomes = (await cluster.run(() => allReduce(at, length, 50))).map(done);
          expect(new Set(outcomes.map((o) => o.sha)).size).toBe(1);
          await expectWithinSummationBound(cluster, n, length);
        }
        const length = 30_011;
        const seeds = Array.from({ length: 12 }, (_, i) => 900 + i);
        const reference = await singleMemberSum(length, seeds);
        const assignments = [(v: number) => v % n, (v: number) => (v * 5 + 3) % n, () => 0];
        for (const assign of assignments) {
          const at = step++;
          const outcomes = await cluster.run((rank) => ({
            type: 'contributions',
            mode: 'deterministic',
            step: at,
            length,
            seeds: seeds.filter((_, v) => assign(v) === rank),
          }));
          for (const o of outcomes.map(done)) expect(o.sha).toBe(reference);
        }
      },
    );

    it('N=3: a 64 MiB all-reduce and a 64 MiB broadcast from rank 1', async () => {
      cluster = await RingCluster.start(3, { dataPlane });
      const length = (64 << 20) / 4;
      const outcomes = (await cluster.run(() => allReduce(0, length, 7))).map(done);
      expect(new Set(outcomes.map((o) => o.sha)).size).toBe(1);
      await expectWithinSummationBound(cluster, 3, length);
      const bytes = 64 << 20;
      const expected = sha256(new Uint8Array(bytes).map((_, i) => (i * 7 + 1) & 0xff));
      const received = (
        await cluster.run(() => ({ type: 'broadcast', step: 1, root: 1, bytes }))
      ).map(done);
      for (const o of received) expect(o.sha).toBe(expected);
    });
  },
);
