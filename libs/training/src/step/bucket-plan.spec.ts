import { describe, expect, it } from 'vitest';
import {
  gradientSlots,
  layerOf,
  partCount,
  planBuckets,
  TAIL_SCALARS,
  tailLength,
} from './bucket-plan';
import {
  flattenPacket,
  packetLayout,
  unflattenPacket,
  type GradientPacket,
} from './gradient-packet';
import { packetFromParts, packetParts } from './packet-parts';

/** A RepVGG-like parameter list in forward order (values per tensor). */
const PARAMS: (readonly [string, number])[] = [
  ['stage0.0.rbr_dense.conv.weight', 100],
  ['stage0.0.rbr_dense.bn.weight', 4],
  ['stage1.0.rbr_dense.conv.weight', 300],
  ['stage1.0.rbr_1x1.conv.weight', 30],
  ['stage1.1.rbr_dense.conv.weight', 500],
  ['linear.weight', 60],
  ['linear.bias', 6],
];
const BN: (readonly [string, number])[] = [
  ['stage0.0.rbr_dense.bn', 4],
  ['stage1.0.rbr_dense.bn', 8],
];

describe('bucket plans', () => {
  it('name the layer of a key: a stage block, else its first component', () => {
    expect(layerOf('stage1.0.rbr_dense.conv.weight')).toBe('stage1.0');
    expect(layerOf('stage4.12.rbr_identity.bias')).toBe('stage4.12');
    expect(layerOf('linear.weight')).toBe('linear');
  });

  it('bucket whole layers from the last to the first, each closed at the size asked for', () => {
    // 1,600 bytes: head (264 B) + stage1.1 (2,000 B) close the first bucket; stage1.0 (1,320 B) and
    // stage0.0 (416 B) the second; nothing is left open
    const plan = planBuckets(PARAMS, BN, 1600);
    expect(plan.buckets.map((b) => b.entries.map(([k]) => k))).toEqual([
      ['linear.weight', 'linear.bias', 'stage1.1.rbr_dense.conv.weight'],
      [
        'stage1.0.rbr_dense.conv.weight',
        'stage1.0.rbr_1x1.conv.weight',
        'stage0.0.rbr_dense.conv.weight',
        'stage0.0.rbr_dense.bn.weight',
      ],
    ]);
    expect(plan.buckets.map((b) => b.length)).toEqual([566, 434]);
    expect(partCount(plan)).toBe(3);
    // one byte per bucket: every layer its own bucket, the stem's last
    expect(planBuckets(PARAMS, BN, 1).buckets.map((b) => b.entries[0][0])).toEqual([
      'linear.weight',
      'stage1.1.rbr_dense.conv.weight',
      'stage1.0.rbr_dense.conv.weight',
      'stage0.0.rbr_dense.conv.weight',
    ]);
    // larger than the model: one bucket
    expect(planBuckets(PARAMS, BN, 1 << 20).buckets).toHaveLength(1);
    expect(() => planBuckets(PARAMS, BN, 0)).toThrow(RangeError);
  });

  it('place every gradient once, at consecutive offsets of its bucket', () => {
    const plan = planBuckets(PARAMS, BN, 1600);
    const slots = gradientSlots(plan);
    expect(slots.size).toBe(PARAMS.length);
    expect(slots.get('linear.bias')).toEqual({ part: 1, offset: 60 });
    expect(slots.get('stage1.1.rbr_dense.conv.weight')).toEqual({ part: 1, offset: 66 });
    expect(slots.get('stage0.0.rbr_dense.bn.weight')).toEqual({ part: 2, offset: 430 });
    expect(tailLength(plan)).toBe(2 * 12 + TAIL_SCALARS);
  });

  it('carry a packet in parts with the values the flat packet carries', () => {
    let x = 0.1;
    const values = (n: number): Float32Array =>
      Float32Array.from({ length: n }, () => (x *= -1.37));
    const packet: GradientPacket = {
      grads: new Map(PARAMS.map(([k, n]) => [k, values(n)])),
      bnMean: new Map(BN.map(([k, n]) => [k, values(n)])),
      bnVar: new Map(BN.map(([k, n]) => [k, values(n)])),
      replicas: 2,
      samples: 64,
      lossSum: 123.456,
      correct: 17,
    };
    const plan = planBuckets(PARAMS, BN, 1000);
    const parts = packetParts(plan, packet);
    expect(parts.map((p) => p.length)).toEqual([
      tailLength(plan),
      ...plan.buckets.map((b) => b.length),
    ]);
    const viaParts = packetFromParts(plan, parts);
    const layout = packetLayout(packet);
    const viaFlat = unflattenPacket(flattenPacket(packet, layout), layout);
    expect(viaParts).toEqual(viaFlat);
    expect(() => packetFromParts(plan, parts.slice(1))).toThrow(/packet parts/);
  });
});
