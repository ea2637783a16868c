import { afterEach, describe, expect, it } from 'vitest';
import { DATA_PLANES, InMemoryTransport, RingCollective } from '@repvgg/collective';
import { fixtureInput, fixtureValue, sha256 } from './fixture-data';
import { type Outcome, RingCluster } from './ring-cluster';

let cluster: RingCluster | undefined;
afterEach(() => {
  cluster?.stop();
  cluster = undefined;
});

const done = (o: Outcome): Extract<Outcome, { type: 'done' }> => {
  if (o.type !== 'done') throw new Error(`member failed: ${o.message}`);
  return o;
};

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
          const samples = [0, Math.floor(length / 3), length - 1];
          const at = step++;
          const outcomes = (
            await cluster.run(() => ({ type: 'allreduce', step: at, length, seed: 50, samples }))
          ).map(done);
          expect(new Set(outcomes.map((o) => o.sha)).size).toBe(1);
          const inputs = Array.from({ length: n }, (_, r) => fixtureInput(length, 50 + r));
          samples.forEach((index, k) => {
            const exact = inputs.reduce((s, x) => s + x[index], 0);
            const magnitude = inputs.reduce((s, x) => s + Math.abs(x[index]), 0);
            expect(Math.abs(outcomes[0].samples[k] - exact)).toBeLessThanOrEqual(
              n * 2 ** -23 * magnitude,
            );
          });
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
      const samples = [0, 5_000_001, length - 1];
      const outcomes = (
        await cluster.run(() => ({ type: 'allreduce', step: 0, length, seed: 7, samples }))
      ).map(done);
      expect(new Set(outcomes.map((o) => o.sha)).size).toBe(1);
      samples.forEach((index, k) => {
        const values = [7, 8, 9].map((seed) => fixtureValue(seed, index));
        const exact = values.reduce((a, b) => a + b, 0);
        const magnitude = values.reduce((a, b) => a + Math.abs(b), 0);
        expect(Math.abs(outcomes[0].samples[k] - exact)).toBeLessThanOrEqual(
          3 * 2 ** -23 * magnitude,
        );
      });
      const bytes = 64 << 20;
      const expected = sha256(new Uint8Array(bytes).map((_, i) => (i * 7 + 1) & 0xff));
      const received = (
        await cluster.run(() => ({ type: 'broadcast', step: 1, root: 1, bytes }))
      ).map(done);
      for (const o of received) expect(o.sha).toBe(expected);
    });
  },
);
