import { InvalidBatchLayoutError } from './dataset.error';
import { KeyedRng, RngStream } from './keyed-rng';

/** The permutation of epoch `epoch`: Fisher–Yates driven by a stream keyed by (job seed, epoch). */
export function epochPermutation(size: number, seed: number, epoch: number): Uint32Array {
  const perm = new Uint32Array(size);
  for (let i = 0; i < size; i++) perm[i] = i;
  const rng = new KeyedRng(RngStream.permutation, seed, epoch);
  for (let i = size - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    const t = perm[i];
    perm[i] = perm[j];
    perm[j] = t;
  }
  return perm;
}

/**
 * Which samples each (step, replica) of an epoch sees (docs/design.md "Sample order"): step s, replica v
 * take permutation positions (s·V + v)·B/V … +B/V; the tail that does not fill a whole step is dropped
 * so every step has the same global batch.
 */
export class EpochOrder {
  readonly microBatch: number;
  readonly steps: number;
  private readonly perm: Uint32Array;

  constructor(
    readonly size: number,
    readonly seed: number,
    readonly epoch: number,
    readonly globalBatch: number,
    readonly replicas: number,
  ) {
    if (
      !Number.isInteger(globalBatch) ||
      !Number.isInteger(replicas) ||
      globalBatch <= 0 ||
      replicas <= 0 ||
      globalBatch % replicas !== 0
    ) {
      throw new InvalidBatchLayoutError(globalBatch, replicas);
    }
    this.microBatch = globalBatch / replicas;
    this.steps = Math.floor(size / globalBatch);
    this.perm = epochPermutation(size, seed, epoch);
  }

  /** Sample indices of micro-batch (step, replica); a view into the epoch permutation. */
  samples(step: number, replica: number): Uint32Array {
    if (!Number.isInteger(step) || step < 0 || step >= this.steps) {
      throw new RangeError(`step ${step} is outside epoch ${this.epoch} (0…${this.steps - 1})`);
    }
    if (!Number.isInteger(replica) || replica < 0 || replica >= this.replicas) {
      throw new RangeError(`replica ${replica} is outside 0…${this.replicas - 1}`);
    }
    const start = (step * this.replicas + replica) * this.microBatch;
    return this.perm.subarray(start, start + this.microBatch);
  }
}
