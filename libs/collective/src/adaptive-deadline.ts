export interface AdaptiveDeadlineOptions {
  /** Never wait less than this (ms); covers start-up and jitter before there is any history. */
  floorMs?: number;
  /** Multiple of the p99 step time a member may lag before it is declared missing. */
  factor?: number;
  /** How many recent step times are remembered. */
  window?: number;
}

/**
 * How long to wait for a peer: max(floor, factor × p99 of recent step times). Slow steps (a large
 * model, a straggler) widen it; a fast steady ring keeps it at the floor, so failures surface quickly.
 */
export class AdaptiveDeadline {
  private readonly floorMs: number;
  private readonly factor: number;
  private readonly window: number;
  private readonly samples: number[] = [];

  constructor(options: AdaptiveDeadlineOptions = {}) {
    this.floorMs = options.floorMs ?? 5000;
    this.factor = options.factor ?? 3;
    this.window = options.window ?? 200;
  }

  observe(stepMs: number): void {
    if (!Number.isFinite(stepMs) || stepMs < 0) return;
    this.samples.push(stepMs);
    if (this.samples.length > this.window) this.samples.shift();
  }

  p99(): number {
    if (this.samples.length === 0) return 0;
    const sorted = [...this.samples].sort((a, b) => a - b);
    return sorted[Math.min(sorted.length - 1, Math.ceil(0.99 * sorted.length) - 1)] ?? 0;
  }

  timeoutMs(): number {
    return Math.max(this.floorMs, Math.ceil(this.factor * this.p99()));
  }
}
