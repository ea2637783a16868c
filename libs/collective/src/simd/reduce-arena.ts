import type { FloatArray } from '../wire-codec';
import { SIMD_ADD_WASM_BASE64 } from './simd-add.wasm';

export type ArenaElement = 'f32' | 'f64';

/** simd-add.wat's exports: `dst[i] += src[i]` for `n` elements at byte offsets `dst` and `src`. */
interface SimdAdd {
  addF32: (dst: number, src: number, n: number) => void;
  addF64: (dst: number, src: number, n: number) => void;
}

/** The part of the WebAssembly JS API used here (this project's TypeScript libs do not declare it). */
interface WasmMemory {
  readonly buffer: ArrayBuffer;
}
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Memory: new (descriptor: { initial: number }) => WasmMemory;
  Instance: new (module: object, imports: object) => { exports: object };
  CompileError: new () => Error;
}
const wasm = (globalThis as unknown as { WebAssembly?: WasmApi }).WebAssembly;

type ArrayOf<K extends ArenaElement> = K extends 'f32' ? Float32Array : Float64Array;

const PAGE_BYTES = 65_536;
/** wasm32 addresses 4 GiB; stay a page short of it. */
const MAX_ARENA_BYTES = 2 ** 32 - PAGE_BYTES;

let compiled: object | null | undefined;

/**
 * The SIMD module, compiled once; `undefined` where this runtime has no WebAssembly or refuses the
 * module's SIMD instructions (a `CompileError`). Any other failure is a bug or an exhausted machine
 * and is thrown: falling back would hide it behind a slower all-reduce.
 */
function simdModule(): object | undefined {
  if (compiled === undefined) {
    if (wasm === undefined) {
      compiled = null;
    } else {
      try {
        compiled = new wasm.Module(Buffer.from(SIMD_ADD_WASM_BASE64, 'base64'));
      } catch (err) {
        if (!(err instanceof wasm.CompileError)) throw err;
        compiled = null;
      }
    }
  }
  return compiled ?? undefined;
}

/**
 * A reduction buffer and its staging area in one WebAssembly memory, so that adding a received chunk
 * into the buffer runs as SIMD (simd-add.wat: four float32 or two float64 per instruction) instead of
 * a scalar JavaScript loop. The add was the largest user-space cost of a ring all-reduce (0.2–0.3 ms
 * per MB of buffer on one core here, 3–4× the SIMD loop); the transport reads chunks straight
 * into the staging area, so nothing is copied to make the add possible. The sums are IEEE additions
 * either way: bit-identical to the JavaScript loop (`a + b` rounded once to float32 is the float32
 * sum), NaN payloads aside.
 *
 * The memory never grows (growing would detach every view), so an arena is made for one size.
 */
export class ReduceArena<K extends ArenaElement = ArenaElement> {
  /** The buffer to reduce in place. */
  readonly data: ArrayOf<K>;
  /** Where received chunks wait to be added, one slot per pipeline lane (see `ringAllReduce`). */
  readonly staging: ArrayOf<K>;
  private readonly add: (dst: number, src: number, n: number) => void;
  private readonly dataEnd: number;

  private constructor(
    readonly element: K,
    private readonly memory: WasmMemory,
    simd: SimdAdd,
    elements: number,
    stagingElements: number,
  ) {
    const make = (offset: number, length: number): ArrayOf<K> =>
      (element === 'f32'
        ? new Float32Array(memory.buffer, offset, length)
        : new Float64Array(memory.buffer, offset, length)) as ArrayOf<K>;
    const bytes = element === 'f32' ? 4 : 8;
    this.dataEnd = elements * bytes;
    this.data = make(0, elements);
    this.staging = make(alignUp(this.dataEnd, 64), stagingElements);
    this.add = element === 'f32' ? simd.addF32 : simd.addF64;
  }

  /**
   * An arena for `elements` values and `stagingElements` of staging, or `undefined` where WebAssembly
   * cannot have one (no WebAssembly SIMD, more than wasm32's 4 GiB): callers then reduce with plain
   * typed arrays. A memory the runtime refuses (out of memory) is thrown, not hidden.
   */
  static create<K extends ArenaElement>(
    element: K,
    elements: number,
    stagingElements: number,
  ): ReduceArena<K> | undefined {
    const module = simdModule();
    const bytes = element === 'f32' ? 4 : 8;
    const total = alignUp(elements * bytes, 64) + stagingElements * bytes;
    if (wasm === undefined || module === undefined || total > MAX_ARENA_BYTES) return undefined;
    const memory = new wasm.Memory({ initial: Math.max(1, Math.ceil(total / PAGE_BYTES)) });
    const instance = new wasm.Instance(module, { env: { memory } });
    const simd = instance.exports as unknown as SimdAdd;
    return new ReduceArena(element, memory, simd, elements, stagingElements);
  }

  /** Whether `view` lies in this arena's buffer (not its staging area). */
  holds(view: FloatArray): boolean {
    return (
      view.buffer === this.memory.buffer &&
      view.BYTES_PER_ELEMENT === this.data.BYTES_PER_ELEMENT &&
      view.byteOffset + view.byteLength <= this.dataEnd
    );
  }

  /** `target[i] += source[i]`; both must be views into this arena, of the same length. */
  addInto(target: ArrayOf<K>, source: ArrayOf<K>): void {
    if (target.buffer !== this.memory.buffer || source.buffer !== this.memory.buffer) {
      throw new RangeError('ReduceArena.addInto: both arrays must be views into this arena');
    }
    if (target.length !== source.length) {
      throw new RangeError(
        `ReduceArena.addInto: ${source.length} elements added into ${target.length}`,
      );
    }
    this.add(target.byteOffset, source.byteOffset, target.length);
  }
}

const alignUp = (n: number, to: number): number => Math.ceil(n / to) * to;
