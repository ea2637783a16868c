import { AdaptiveDeadline } from './adaptive-deadline';
import { ChunkPlan } from './chunk-plan';
import { accumulateQuantized, dequantize, maxAbs, scaleExponent } from './fixed-point';
import type { PeerTransport } from './peer-transport';
import { ringAllReduce } from './ring-allreduce';
import { ringBroadcast } from './ring-broadcast';
import { type ArenaElement, ReduceArena } from './simd/reduce-arena';
import { F16_WIRE, F32_WIRE, F64_WIRE } from './wire-codec';

export type ReduceMode = 'fast' | 'deterministic';

export interface RingCollectiveOptions {
  /** 'fast': float32 sum. 'deterministic': exact fixed-point sum, bit-identical for any N and grouping. */
  mode: ReduceMode;
  /** Fast mode only: carry IEEE half on the wire (half the bytes, ~1e-3 relative error). */
  fp16Wire?: boolean;
  /**
   * Bytes per all-reduce message (default 2 MiB). Measured on loopback, N = 2 and 3, 4–64 MiB
   * buffers: 2 MiB gave 5–15 % more busbw than 1 MiB (fewer messages, the same overlap), 4 MiB no more.
   */
  chunkBytes?: number;
  /** Bytes per broadcast message. */
  broadcastChunkBytes?: number;
  deadline?: AdaptiveDeadline;
}

const MiB = 1 << 20;
/** Staging per arena at most (lanes beyond it add in JavaScript): bounded memory for huge models. */
const MAX_STAGING_BYTES = 256 * MiB;

/** The arenas a collective keeps: the caller's (`reduceBuffer`) and its own scratch sums. */
type ArenaRole = 'buffer' | 'sum' | 'fixed';

/**
 * Scratch arenas kept per role, one per size: a step all-reduced in parts (`PartReduction`) sums
 * a few sizes over and over, and making an arena (a WebAssembly memory) per call would cost more
 * than the adds it speeds up.
 */
const KEPT_SCRATCH_SIZES = 32;

/** Steps whose call counters are kept: calls of that many recent steps may interleave. */
const COUNTED_STEPS = 16;

/**
 * The collective operations of one generation over one transport. Every member must issue the same
 * calls in the same order within a step (as data-parallel training does); a call counter per step
 * keeps concurrent messages apart, also when the calls of different steps interleave differently on
 * different members (e.g. step s's broadcast while step s + 1's first all-reduce runs).
 */
export class RingCollective {
  readonly deadline: AdaptiveDeadline;
  /** The next call index of each recent step. */
  private readonly calls = new Map<number, number>();
  private readonly arenas = new Map<ArenaRole, ReduceArena>();
  /** Scratch arenas by role, element and size (`KEPT_SCRATCH_SIZES`). */
  private readonly scratchArenas = new Map<string, ReduceArena>();
  /** Arenas whose staging area an unfinished call is using (calls may overlap). */
  private readonly leased = new Set<ReduceArena>();

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

  /**
   * A Float32Array of `elements` that all-reduces at the least CPU cost: it lives in WebAssembly memory
   * beside a staging area, so the reduce-scatter's adds run as SIMD on chunks the transport reads
   * straight into place (as NCCL's registered buffers skip a copy). The same array comes back until
   * another size is asked for; the old one then stays valid but takes the plain path. Where
   * WebAssembly SIMD is missing it is a plain Float32Array.
   */
  reduceBuffer(elements: number): Float32Array {
    return this.arenaFor('buffer', 'f32', elements)?.data ?? new Float32Array(elements);
  }

  /** Sums `data` across all members, in place (fastest on an array from `reduceBuffer`). */
  async allReduce(step: number, data: Float32Array): Promise<void> {
    if (this.options.mode === 'deterministic') {
      const sum = await this.allReduceContributions(step, [data]);
      data.set(sum);
      return;
    }
    const buffer = this.arenas.get('buffer') as ReduceArena<'f32'> | undefined;
    const arena = buffer?.holds(data) === true ? this.lease(buffer) : undefined;
    await this.released(arena, () => this.sumFloat32(step, data, arena));
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
      const arena = this.worldSize > 1 ? this.scratch('sum', 'f32', first.length) : undefined;
      return this.released(arena, async () => {
        const sum = arena?.data ?? new Float32Array(first.length);
        sum.set(first);
        for (const c of contributions.slice(1)) for (let i = 0; i < sum.length; i++) sum[i] += c[i];
        await this.sumFloat32(step, sum, arena);
        // The arena is reused by the next call: hand back a copy the caller may keep.
        return arena === undefined ? sum : sum.slice();
      });
    }
    const max = new Float64Array([maxAbs(contributions)]);
    await ringAllReduce(this.transport, max, F64_WIRE, 'max', this.callOptions(step, 8));
    const exponent = scaleExponent(max[0]);
    const arena = this.worldSize > 1 ? this.scratch('fixed', 'f64', first.length) : undefined;
    return this.released(arena, async () => {
      const fixed = arena?.data.fill(0) ?? new Float64Array(first.length);
      accumulateQuantized(contributions, exponent, fixed);
      await ringAllReduce(this.transport, fixed, F64_WIRE, 'sum', this.callOptions(step, 8), arena);
      const out = new Float32Array(first.length);
      dequantize(fixed, exponent, out);
      return out;
    });
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

  /** Fast-mode sum in place; `arena`, when given, holds `data` and is leased to this call. */
  private async sumFloat32(
    step: number,
    data: Float32Array,
    arena: ReduceArena<'f32'> | undefined,
  ): Promise<void> {
    if (this.worldSize === 1) return;
    const fp16 = this.options.fp16Wire === true;
    await ringAllReduce(
      this.transport,
      data,
      fp16 ? F16_WIRE : F32_WIRE,
      'sum',
      this.callOptions(step, fp16 ? 2 : 4),
      fp16 ? undefined : arena,
    );
  }

  /**
   * This collective's own arena for `role` and `elements`, leased to the caller; `undefined`: use
   * plain arrays.
   */
  private scratch<K extends ArenaElement>(
    role: ArenaRole,
    element: K,
    elements: number,
  ): ReduceArena<K> | undefined {
    const key = `${role}:${element}:${elements}`;
    const kept = this.scratchArenas.get(key) as ReduceArena<K> | undefined;
    // An unfinished call holds it: this one takes the plain path rather than replace it.
    if (kept !== undefined) return this.lease(kept);
    const arena = this.makeArena(element, elements);
    if (arena === undefined) return undefined;
    if (this.scratchArenas.size >= KEPT_SCRATCH_SIZES) {
      const idle = [...this.scratchArenas].find(([, a]) => !this.leased.has(a));
      if (idle !== undefined) this.scratchArenas.delete(idle[0]);
    }
    this.scratchArenas.set(key, arena);
    return this.lease(arena);
  }

  /** The arena kept for `role` if it fits `elements`, else a new one in its place. */
  private arenaFor<K extends ArenaElement>(
    role: ArenaRole,
    element: K,
    elements: number,
  ): ReduceArena<K> | undefined {
    const current = this.arenas.get(role);
    if (current?.element === element && current.data.length === elements) {
      return current as ReduceArena<K>;
    }
    const arena = this.makeArena(element, elements);
    if (arena === undefined) this.arenas.delete(role);
    else this.arenas.set(role, arena);
    return arena;
  }

  private lease<K extends ArenaElement>(arena: ReduceArena<K>): ReduceArena<K> | undefined {
    if (this.leased.has(arena)) return undefined;
    this.leased.add(arena);
    return arena;
  }

  /** Runs `work`, then hands `arena`'s staging area back for the next call. */
  private async released<T>(arena: ReduceArena | undefined, work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } finally {
      if (arena !== undefined) this.leased.delete(arena);
    }
  }

  /**
   * An arena with staging for every lane of a ring all-reduce of up to `elements` values (about one
   * segment, 1/N of the buffer), capped at MAX_STAGING_BYTES.
   */
  private makeArena<K extends ArenaElement>(
    element: K,
    elements: number,
  ): ReduceArena<K> | undefined {
    const bytes = element === 'f32' ? 4 : 8;
    const chunkElements = this.chunkElements(bytes);
    const lanes = new ChunkPlan(elements, this.worldSize, chunkElements).chunksPerSegment;
    const staging = Math.min(lanes * chunkElements, Math.floor(MAX_STAGING_BYTES / bytes));
    return ReduceArena.create(element, elements, staging);
  }

  private chunkElements(bytesPerElement: number): number {
    return Math.max(1, Math.floor((this.options.chunkBytes ?? 2 * MiB) / bytesPerElement));
  }

  private callOptions(
    step: number,
    bytesPerElement: number,
  ): { step: number; seq: number; timeoutMs: number; chunkElements: number } {
    const seq = this.calls.get(step) ?? 0;
    this.calls.set(step, seq + 1);
    if (seq === 0 && this.calls.size > COUNTED_STEPS) {
      // Steps only move forward within a generation: the smallest one is over.
      this.calls.delete(Math.min(...this.calls.keys()));
    }
    return {
      step,
      seq,
      timeoutMs: this.deadline.timeoutMs(),
      chunkElements: this.chunkElements(bytesPerElement),
    };
  }
}
