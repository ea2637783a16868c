import { type BucketPlan, gradientSlots, partCount, TAIL_SCALARS, tailLength } from './bucket-plan';
import { emptyPacket, type GradientPacket, PacketMismatchError } from './gradient-packet';

/** What a replica knows once forward is done: its BatchNorm statistics and the step's scalars. */
export interface PacketTail {
  readonly bnMean: ReadonlyMap<string, Float32Array>;
  readonly bnVar: ReadonlyMap<string, Float32Array>;
  readonly replicas: number;
  readonly samples: number;
  readonly lossSum: number;
  readonly correct: number;
}

/** Part 0 of a packet (`BucketPlan`): BN means, BN variances, replicas, samples, loss sum, correct. */
export function tailPart(plan: BucketPlan, tail: PacketTail): Float32Array {
  const out = new Float32Array(tailLength(plan));
  let o = 0;
  for (const stats of [tail.bnMean, tail.bnVar]) {
    for (const [key, n] of plan.bn) {
      const v = stats.get(key);
      if (v?.length !== n) throw new PacketMismatchError(key, n, v?.length ?? 0);
      out.set(v, o);
      o += n;
    }
  }
  out.set([tail.replicas, tail.samples, tail.lossSum, tail.correct], o);
  return out;
}

/**
 * The packet whose parts (`BucketPlan`: the tail, then each bucket) are `parts`, e.g. their sums over
 * every replica of every member. Its arrays are views of the parts.
 */
export function packetFromParts(plan: BucketPlan, parts: readonly Float32Array[]): GradientPacket {
  if (parts.length !== partCount(plan)) {
    throw new PacketMismatchError('(packet parts)', partCount(plan), parts.length);
  }
  const p = emptyPacket();
  const tail = parts[0];
  if (tail.length !== tailLength(plan)) {
    throw new PacketMismatchError('(packet tail)', tailLength(plan), tail.length);
  }
  let o = 0;
  for (const stats of [p.bnMean, p.bnVar]) {
    for (const [key, n] of plan.bn) {
      stats.set(key, tail.subarray(o, o + n));
      o += n;
    }
  }
  [p.replicas, p.samples, p.lossSum, p.correct] = tail.subarray(o, o + TAIL_SCALARS);
  plan.buckets.forEach((bucket, b) => {
    const part = parts[b + 1];
    if (part.length !== bucket.length) {
      throw new PacketMismatchError(`(bucket ${b + 1})`, bucket.length, part.length);
    }
    let offset = 0;
    for (const [key, n] of bucket.entries) {
      p.grads.set(key, part.subarray(offset, offset + n));
      offset += n;
    }
  });
  return p;
}

/** A whole packet cut into its plan's parts (the inverse of `packetFromParts`). */
export function packetParts(plan: BucketPlan, p: GradientPacket): Float32Array[] {
  const slots = gradientSlots(plan);
  const parts = [tailPart(plan, p), ...plan.buckets.map((b) => new Float32Array(b.length))];
  for (const [key, g] of p.grads) {
    const slot = slots.get(key);
    if (slot === undefined) throw new PacketMismatchError(key, 0, g.length);
    parts[slot.part].set(g, slot.offset);
  }
  return parts;
}
