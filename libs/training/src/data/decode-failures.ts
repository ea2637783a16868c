import type { RawImage } from './raw-image';

/** A sample that could not be read or decoded: which one, and why. */
export interface DecodeFailure {
  readonly sample: string;
  readonly reason: string;
}

export type DecodeResult =
  | { readonly ok: true; readonly image: RawImage }
  | { readonly ok: false; readonly failure: DecodeFailure };

const MAX_NAMES = 1000;

/**
 * Counts undecodable samples and keeps their names for metrics. Names are kept once each and capped,
 * so a dataset full of broken files cannot grow memory without bound; the count stays exact.
 */
export class DecodeFailures {
  private total = 0;
  private readonly names = new Map<string, string>();

  record(failure: DecodeFailure): void {
    this.total++;
    if (this.names.size < MAX_NAMES && !this.names.has(failure.sample)) {
      this.names.set(failure.sample, failure.reason);
    }
  }

  get count(): number {
    return this.total;
  }

  /** The distinct failed samples seen so far (at most 1000), with the first reason of each. */
  list(): DecodeFailure[] {
    return [...this.names].map(([sample, reason]) => ({ sample, reason }));
  }
}
