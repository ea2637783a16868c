import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadCheckpoint } from '@repvgg/training';
import { splitReplicas } from '../../apps/coordinator/src/rendezvous/generation';
import { bitIdentical, singleProcessWeights } from './reference-run';
import { TINY_JOB, workerTestbed } from './worker-processes';

// The job schema's default mode: float32 sums in the ring (here through the SIMD arena on the raw
// TCP data plane), not the exact fixed-point ones the other worker e2e tests use.
const SPEC = {
  ...TINY_JOB,
  mode: 'fast',
  epochs: 1,
  workers: { min: 2, max: 2 },
  shardSteps: 4,
} as const;

const bed = workerTestbed('tiny-fast', 64);

describe('fast-mode training with real worker processes', () => {
  // overlap on: gradient buckets all-reduced while backward computes; off (the default): one
  // all-reduce of whole packets. On two members both sum in the same float32 order.
  it.each([true, false])(
    'two workers (overlap %s) end with the bits of one process that sums their replica groups in float32',
    async (overlap) => {
      // Both jobs run on the same two workers (the testbed kills them after the file).
      if (bed.workers.length === 0) {
        bed.spawn();
        bed.spawn();
      }
      const done = await bed.succeed({ ...SPEC, overlap });
      const { id } = done;
      expect(done.progress).toMatchObject({ completedSteps: 8, totalSteps: 8 });
      // One generation of two: the replica groups never changed, so the float32 sums are known.
      expect(new Set(done.workerHistory.map((g) => g.workers))).toEqual(new Set([2]));

      const jobDir = join(bed.h.artifacts, 'jobs', id);
      const trained = (await loadCheckpoint(join(jobDir, 'final-checkpoint'))).weights;
      const groups = splitReplicas(SPEC.virtualReplicas, 2);
      const reference = await singleProcessWeights(bed.dataDir, SPEC, groups);
      expect(bitIdentical(trained, reference)).toEqual([]);
      // A sum in another order would differ somewhere: the comparison can tell the orders apart.
      const sequential = await singleProcessWeights(bed.dataDir, SPEC, [[0], [1, 2, 3]]);
      expect(bitIdentical(sequential, reference)).not.toEqual([]);
    },
  );
});
