import { describe, expect, it } from 'vitest';
import { InMemoryTransport, RingCollective } from '@repvgg/collective';
import {
  flattenPacket,
  packetFromParts,
  packetLayout,
  packetParts,
  PartReduction,
  partCount,
  planBuckets,
  unflattenPacket,
  type GradientPacket,
} from '@repvgg/training';

const PARAMS: (readonly [string, number])[] = [
  ['stage0.0.rbr_dense.conv.weight', 432],
  ['stage0.0.rbr_dense.bn.weight', 16],
  ['stage1.0.rbr_dense.conv.weight', 2304],
  ['stage1.0.rbr_1x1.conv.weight', 256],
  ['stage2.0.rbr_dense.conv.weight', 4608],
  ['linear.weight', 320],
  ['linear.bias', 10],
];
const BN: (readonly [string, number])[] = [
  ['stage0.0.rbr_dense.bn', 16],
  ['stage1.0.rbr_dense.bn', 16],
];

/** A replica's packet of wide-ranging values (LCG: reproducible). */
function packet(seed: number): GradientPacket {
  let s = seed >>> 0 || 1;
  const values = (n: number): Float32Array =>
    Float32Array.from({ length: n }, () => {
      s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
      return (s / 2 ** 32 - 0.5) * 10 ** ((s >>> 8) % 6) * 1e-4;
    });
  return {
    grads: new Map(PARAMS.map(([k, n]) => [k, values(n)])),
    bnMean: new Map(BN.map(([k, n]) => [k, values(n)])),
    bnVar: new Map(BN.map(([k, n]) => [k, values(n)])),
    replicas: 1,
    samples: 32,
    lossSum: 70 + seed / 7,
    correct: seed,
  };
}

const hex = (p: GradientPacket): string[] =>
  (['grads', 'bnMean', 'bnVar'] as const)
    .flatMap((m) =>
      [...p[m]].map(
        ([k, v]) =>
          `${m} ${k} ${Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('hex')}`,
      ),
    )
    .sort()
    .concat(`${p.replicas} ${p.samples} ${Math.fround(p.lossSum)} ${p.correct}`);

/** Member r holds replicas `groups[r]`: its sum of the whole flattened packets, and part by part. */
async function reduceBothWays(
  groups: readonly number[][],
  fp16Wire: boolean,
): Promise<{ whole: string[][]; parts: string[][] }> {
  const packets = groups.map((g) => g.map((seed) => packet(seed)));
  const layout = packetLayout(packets[0][0]);
  const plan = planBuckets(PARAMS, BN, 8192);
  expect(partCount(plan)).toBeGreaterThan(2);
  const ringOf = (): RingCollective[] =>
    InMemoryTransport.ring(groups.length).map(
      (t) => new RingCollective(t, { mode: 'fast', fp16Wire }),
    );
  const wholeRing = ringOf();
  const whole = await Promise.all(
    wholeRing.map(async (ring, r) =>
      unflattenPacket(
        await ring.allReduceContributions(
          3,
          packets[r].map((p) => flattenPacket(p, layout)),
        ),
        layout,
      ),
    ),
  );
  const partRing = ringOf();
  const parts = await Promise.all(
    partRing.map(async (ring, r) => {
      const reduction = new PartReduction(partCount(plan), packets[r].length, (_, cs) =>
        ring.allReduceContributions(3, cs),
      );
      // parts arrive from the last bucket to the first, and the reduction is started midway
      packets[r].forEach((p, replica) => {
        const own = packetParts(plan, p);
        for (let part = own.length - 1; part >= 0; part--) {
          reduction.offer(replica, part, own[part]);
          if (part === 1) reduction.start();
        }
      });
      return packetFromParts(plan, await reduction.done);
    }),
  );
  await Promise.all([...wholeRing, ...partRing].map((m) => m.close()));
  return { whole: whole.map(hex), parts: parts.map(hex) };
}

describe('a step all-reduced in parts on a two-member fast-mode ring', () => {
  it.each([
    ['one replica each', [[1], [2]]],
    ['three replicas on one member, one on the other', [[1, 2, 3], [4]]],
  ])('equals the whole packets all-reduced at once, bit for bit (%s)', async (_name, groups) => {
    const { whole, parts } = await reduceBothWays(groups, false);
    expect(parts).toEqual(whole);
    expect(parts[1]).toEqual(parts[0]);
  });

  it('on the fp16 wire, is the same on both members and from run to run', async () => {
    // Which member's addend is rounded to half first depends on the segment an element falls in,
    // and parts are segmented apart: not the bits of the whole, but reproducible.
    const first = await reduceBothWays([[5, 6], [7]], true);
    const again = await reduceBothWays([[5, 6], [7]], true);
    expect(first.parts[1]).toEqual(first.parts[0]);
    expect(again.parts).toEqual(first.parts);
  });
});
