import type { PacketTail } from './packet-parts';
import type { BnBatchStats } from './replica-model';
import { BatchTooSmallError } from './step.error';

/**
 * A replica's BatchNorm statistics as a packet carries them (means, unbiased variances) and its
 * scalars, read back from the forward pass of `samples` images (`bnSpatial`: H·W per BatchNorm).
 */
export function replicaTail(
  stats: ReadonlyMap<string, BnBatchStats>,
  samples: number,
  bnSpatial: ReadonlyMap<string, number>,
  lossSum: number,
  correct: number,
): PacketTail {
  const bnMean = new Map<string, Float32Array>();
  const bnVar = new Map<string, Float32Array>();
  for (const [key, s] of stats) {
    const count = samples * (bnSpatial.get(key) ?? 0);
    if (count < 2) throw new BatchTooSmallError(key, count);
    const correction = count / (count - 1);
    bnMean.set(key, Float32Array.from(s.mean.dataSync() as Float32Array));
    bnVar.set(
      key,
      Float32Array.from(s.variance.dataSync() as Float32Array, (v) => v * correction),
    );
  }
  return { bnMean, bnVar, replicas: 1, samples, lossSum, correct };
}
