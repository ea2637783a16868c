import { AdaptiveDeadline } from './adaptive-deadline';
import { accumulateQuantized, dequantize, maxAbs, scaleExponent } from './fixed-point';
import type { PeerTransport } from './peer-transport';
import { ringAllReduce } from './ring-allreduce';
import { ringBroadcast } from './ring-broadcast';
import { F16_WIRE, F32_WIRE, F64_WIRE } from './wire-codec';

export type ReduceMode = 'fast' | 'deterministic';

export interface RingCollectiveOptions {
  /** 'fast': float32 sum. 'deterministic': exact fixed-point sum, bit-identical for any N and grouping. */
  mode: ReduceMode;
  /** Fast mode only: carry IEEE half on the wire (half the bytes, ~1e-3 relative error). */
  fp16Wire?: boolean;
  /** Bytes per all-reduce message; 1 MiB pipelines well on loopback and across hosts alike. */
  chunkBytes?: number;
  /** Bytes per broadcast message. */
  broadcastChunkBytes?: number;
  deadline?: AdaptiveDeadline;
}

const MiB = 1 << 20;

/**
 * The collective operations of one generation over one transport. Every member must issue the same
 * calls in the same order within a step (as data-parallel training does); the per-step call counter
 * keeps concurrent messages apart.
 */
export class RingCollective {
  readonly deadline: AdaptiveDeadline;
  private currentStep = -1;
  private seq = 0;

  constructor(
    readonly transport: PeerTransport,
    private readonly options: RingCollectiveOptions,
  ) {
    this.deadline = options.deadline ?? new AdaptiveDeadline();
  }

  get rank(): number {
    return this.transport.rank;
  }

  get worldSize(): number {
    return this.transport.worldSize;
  }

  /** Sums `data` across all members, in place. */
  async allReduce(step: number, data: Float32Array): Promise<void> {
    if (this.options.mode === 'deterministic') {
      const sum = await this.allReduceContributions(step, [data]);
      data.set(sum);
      return;
    }
    if (this.worldSize === 1) return;
    await ringAllReduce(
      this.transport,
      data,
      this.options.fp16Wire === true ? F16_WIRE : F32_WIRE,
      'sum',
      this.callOptions(step, this.options.fp16Wire === true ? 2 : 4),
    );
  }

  /**
   * Sums every contribution of every member (e.g. one gradient per virtual replica). In deterministic
   * mode the result bits do not depend on how contributions are spread over members.
   */
  async allReduceContributions(
    step: number,
    contributions: readonly Float32Array[],
  ): Promise<Float32Array> {
    if (contributions.length === 0) {
      throw new RangeError('allReduceContributions needs at least one array');
    }
    const first = contributions[0];
    if (this.options.mode === 'fast') {
      const sum = Float32Array.from(first);
      for (const c of contributions.slice(1)) for (let i = 0; i < sum.length; i++) sum[i] += c[i];
      await this.allReduce(step, sum);
      return sum;
    }
    const max = new Float64Array([maxAbs(contributions)]);
    await ringAllReduce(this.transport, max, F64_WIRE, 'max', this.callOptions(step, 8));
    const exponent = scaleExponent(max[0]);
    const fixed = new Float64Array(first.length);
    accumulateQuantized(contributions, exponent, fixed);
    await ringAllReduce(this.transport, fixed, F64_WIRE, 'sum', this.callOptions(step, 8));
    const out = new Float32Array(first.length);
    dequantize(fixed, exponent, out);
    return out;
  }

  /** Sends `data` from `root` to every member; non-root members pass `undefined`. */
  broadcast(step: number, root: number, data: Uint8Array | undefined): Promise<Uint8Array> {
    const { seq, timeoutMs } = this.callOptions(step, 1);
    return ringBroadcast(this.transport, root, data, {
      step,
      seq,
      timeoutMs,
      chunkBytes: this.options.broadcastChunkBytes ?? 4 * MiB,
    });
  }

  /** Feeds the adaptive deadline with the duration of a whole training step. */
  observeStepTime(ms: number): void {
    this.deadline.observe(ms);
  }

  close(): Promise<void> {
    return this.transport.close();
  }

  private callOptions(
    step: number,
    bytesPerElement: number,
  ): { step: number; seq: number; timeoutMs: number; chunkElements: number } {
    if (step !== this.currentStep) {
      this.currentStep = step;
      this.seq = 0;
    }
    return {
      step,
      seq: this.seq++,
      timeoutMs: this.deadline.timeoutMs(),
      chunkElements: Math.max(1, Math.floor((this.options.chunkBytes ?? MiB) / bytesPerElement)),
    };
  }
}
