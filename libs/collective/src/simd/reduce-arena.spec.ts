import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ReduceArena } from './reduce-arena';

/** The WebAssembly constructors these tests replace (this project's TypeScript libs do not declare them). */
interface WasmGlobals {
  Memory: new (descriptor: { initial: number }) => object;
  Module: new (bytes: Uint8Array) => object;
  CompileError: new (message: string) => Error;
}
const wasm = (globalThis as unknown as { WebAssembly: WasmGlobals }).WebAssembly;

const SPECIAL = [0, -0, 1, -1, Infinity, -Infinity, 1e-45, -1e-45, 3.4e38, -3.4e38, 1e-40, 0.1];

/** Compares element by element as IEEE values: NaN equals NaN (payload bits may differ), 0 ≠ −0. */
function sameValues(a: ArrayLike<number>, b: ArrayLike<number>): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    if (!(Object.is(a[i], b[i]) || (Number.isNaN(a[i]) && Number.isNaN(b[i])))) return false;
  }
  return true;
}

describe('ReduceArena', () => {
  for (const element of ['f32', 'f64'] as const) {
    it(`${element}: SIMD add equals the scalar add bit for bit, any length and offset`, () => {
      const arena = ReduceArena.create(element, 400, 200);
      expect(arena).toBeDefined();
      if (arena === undefined) return;
      const values = element === 'f32' ? fc.float() : fc.double();
      fc.assert(
        fc.property(
          fc.integer({ min: 0, max: 150 }),
          fc.integer({ min: 0, max: 200 }),
          fc.integer({ min: 0, max: 40 }),
          fc.array(fc.oneof(values, fc.constantFrom(...SPECIAL)), { minLength: 300 }),
          (length, at, from, pool) => {
            const target = arena.data.subarray(at, at + length);
            const source = arena.staging.subarray(from, from + length);
            for (let i = 0; i < length; i++) {
              target[i] = pool[i % pool.length];
              source[i] = pool[(i * 7 + 3) % pool.length];
            }
            const expected = target.map((x, i) => x + source[i]);
            arena.addInto(target, source);
            expect(sameValues(target, expected)).toBe(true);
          },
        ),
        { numRuns: 300 },
      );
    });
  }

  it('adds only the elements it is given: neighbours stay untouched', () => {
    const arena = ReduceArena.create('f32', 64, 64);
    if (arena === undefined) throw new Error('no arena');
    arena.data.fill(1);
    arena.staging.fill(2);
    arena.addInto(arena.data.subarray(3, 40), arena.staging.subarray(5, 42));
    expect([...arena.data.subarray(0, 3)]).toEqual([1, 1, 1]);
    expect(arena.data.subarray(3, 40).every((x) => x === 3)).toBe(true);
    expect(arena.data.subarray(40).every((x) => x === 1)).toBe(true);
    expect(arena.staging.every((x) => x === 2)).toBe(true);
  });

  it('knows which arrays are its buffer', () => {
    const arena = ReduceArena.create('f32', 100, 50);
    const other = ReduceArena.create('f32', 100, 50);
    if (arena === undefined || other === undefined) throw new Error('no arena');
    expect(arena.holds(arena.data)).toBe(true);
    expect(arena.holds(arena.data.subarray(10, 20))).toBe(true);
    expect(arena.holds(arena.staging)).toBe(false);
    expect(arena.holds(other.data)).toBe(false);
    expect(arena.holds(new Float32Array(100))).toBe(false);
    expect(arena.holds(new Float64Array(arena.data.buffer, 0, 10))).toBe(false);
  });

  it('refuses arrays from elsewhere and lengths that differ', () => {
    const arena = ReduceArena.create('f32', 16, 16);
    if (arena === undefined) throw new Error('no arena');
    expect(() => {
      arena.addInto(arena.data, new Float32Array(16));
    }).toThrow(/views into this arena/);
    expect(() => {
      arena.addInto(arena.data.subarray(0, 8), arena.staging.subarray(0, 9));
    }).toThrow(/9 elements added into 8/);
  });

  it('declines sizes wasm32 cannot address instead of throwing', () => {
    expect(ReduceArena.create('f64', 2 ** 29, 2 ** 28)).toBeUndefined();
  });

  it('throws when the runtime refuses the memory instead of falling back unseen', () => {
    const refused = new RangeError('WebAssembly.Memory(): could not allocate memory');
    const memory = vi.spyOn(wasm, 'Memory').mockImplementation(function refuse() {
      throw refused;
    });
    try {
      expect(() => ReduceArena.create('f32', 64, 64)).toThrow(refused);
    } finally {
      memory.mockRestore();
    }
  });

  describe('compiling the SIMD module', () => {
    afterEach(() => {
      vi.restoreAllMocks();
      vi.resetModules();
    });

    /** A fresh copy of the module (its compiled SIMD module is cached per copy). */
    const freshArena = async (): Promise<typeof ReduceArena> => {
      vi.resetModules();
      return (await import('./reduce-arena')).ReduceArena;
    };

    it('falls back (undefined) only where the runtime has no WebAssembly SIMD', async () => {
      vi.spyOn(wasm, 'Module').mockImplementation(function noSimd() {
        throw new wasm.CompileError('invalid opcode 0xfd');
      });
      expect((await freshArena()).create('f32', 64, 64)).toBeUndefined();
    });

    it('throws any other compile failure', async () => {
      const broken = new Error('out of memory while compiling');
      vi.spyOn(wasm, 'Module').mockImplementation(function fail() {
        throw broken;
      });
      const Fresh = await freshArena();
      expect(() => Fresh.create('f32', 64, 64)).toThrow(broken);
    });
  });

  it('embeds the assembly of simd-add.wat (scripts/assemble-wasm.js --check)', () => {
    const script = join(__dirname, '..', '..', '..', '..', 'scripts', 'assemble-wasm.js');
    const run = spawnSync(process.execPath, [script, '--check'], { encoding: 'utf8' });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
  });
});
