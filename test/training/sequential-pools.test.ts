import { expect, it } from 'vitest';
import { expandArch } from '@repvgg/core/arch/arch-spec';
import { initStateDict } from '@repvgg/core/weights/init';
import { ThreadReplicaPool } from '@repvgg/training/parallel/thread-replica.pool';
import { bnSpatialSizes } from '@repvgg/training/step/bn-sample-counts';

const arch = expandArch({
  name: 'tiny',
  numBlocks: [1, 1, 1, 1],
  widthMultiplier: [0.125, 0.125, 0.125, 0.125],
  overrideGroupsMap: {},
  numClasses: 5,
});

/**
 * Regression: run from the source tree, compute threads compiled their TypeScript with SWC, whose
 * native binding crashed the whole process (SIGSEGV) when a thread loaded it after an earlier thread
 * that had it ended. Threads now transpile with the TypeScript compiler (pure JavaScript).
 */
it('starts and closes compute pools one after another in one process', async () => {
  for (let i = 0; i < 3; i++) {
    const pool = await ThreadReplicaPool.start(1, {
      arch,
      weights: initStateDict(arch, i),
      globalBatch: 4,
      labelSmoothing: 0,
      bnSpatial: bnSpatialSizes(arch, 8, 8),
      backend: 'cpu',
    });
    expect(pool.lanes).toBe(1);
    await pool.close();
  }
});
