import type { RingCollective } from '@repvgg/collective';
import {
  DIGEST_SLOTS,
  combineDigests,
  digestFromSlots,
  digestToSlots,
  formatDigest,
  type SampleDigest,
} from '@repvgg/training';

/**
 * The digest of the samples every member's replicas consume at `globalStep`: each member fills its
 * own slots, one small all-reduce gathers them (each slot has one non-zero contribution, so the sum
 * is exact in both modes), and every member combines them the same way.
 */
export async function gatherStepDigest(
  ring: RingCollective,
  globalStep: number,
  rank: number,
  own: SampleDigest,
): Promise<string> {
  if (ring.worldSize === 1) return formatDigest(own);
  const slots = new Float32Array(ring.worldSize * DIGEST_SLOTS);
  digestToSlots(own, slots, rank * DIGEST_SLOTS);
  await ring.allReduce(globalStep, slots);
  const parts = Array.from({ length: ring.worldSize }, (_, r) =>
    digestFromSlots(slots, r * DIGEST_SLOTS),
  );
  return formatDigest(combineDigests(parts));
}
