import { clipGradNorm } from '../optim/clip-grad-norm';
import type { GradientPacket } from './gradient-packet';
import { MissingBatchStatsError } from './step.error';
import type { TrainState } from './train-state';

export interface ApplyOptions {
  readonly lr: number;
  /** Global gradient L2 norm cap; undefined = no clipping (the paper's recipe). */
  readonly clipGradNorm?: number;
  /** PyTorch convention: running = (1 − m)·running + m·batch. */
  readonly bnMomentum?: number;
}

/**
 * Applies a step's summed packet: optional clipping, the SGD update, and the running statistics moved
 * by the mean over replicas of the micro-batch statistics. Every worker applying the same packet to the
 * same state ends with the same state.
 */
export function applyGradients(
  state: TrainState,
  packet: GradientPacket,
  options: ApplyOptions,
): { gradNorm: number | undefined } {
  const gradNorm =
    options.clipGradNorm === undefined
      ? undefined
      : clipGradNorm(packet.grads, options.clipGradNorm);
  state.optimizer.step(state.params, packet.grads, options.lr);
  const m = options.bnMomentum ?? 0.1;
  const inv = 1 / packet.replicas;
  for (const [prefix, r] of state.running) {
    const mean = packet.bnMean.get(prefix);
    const variance = packet.bnVar.get(prefix);
    if (mean === undefined || variance === undefined) {
      throw new MissingBatchStatsError(prefix);
    }
    for (let i = 0; i < r.mean.length; i++) {
      r.mean[i] = (1 - m) * r.mean[i] + m * mean[i] * inv;
      r.variance[i] = (1 - m) * r.variance[i] + m * variance[i] * inv;
    }
    r.tracked += 1n;
  }
  state.step += 1;
  return { gradNorm };
}
