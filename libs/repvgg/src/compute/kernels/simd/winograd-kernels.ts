import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { heapModule } from './heap-module';
import { WINOGRAD_WASM_BASE64 } from './winograd.wasm';

/** winograd.wat's exports; every pointer is a byte offset into tfjs-backend-wasm's heap. */
export interface WinogradWasm {
  /**
   * HWIO [3, 3, cin, cout] at `w` into U, [16][cout/8][cin][8], at `u`; `wRow` floats from one input
   * channel's row to the next (cout, or a grouped filter's whole width).
   */
  winogradFilter(w: number, u: number, cin: number, cout: number, wRow: number): void;
  winogradInput(
    xp: number,
    v: number,
    tile0: number,
    tiles: number,
    tb: number,
    tilesH: number,
    tilesW: number,
    paddedWidth: number,
    /** floats per pixel of the padded input */
    pixelChannels: number,
    /** channels transformed from `xp` on */
    cin: number,
  ): void;
  /** `rows`: the block's tiles rounded up to a multiple of 4. */
  winogradGemm(
    v: number,
    u: number,
    m: number,
    rows: number,
    tb: number,
    cin: number,
    cout: number,
  ): void;
  /** `bias` = 0: none; `relu` = 1: max(0, ·) after the bias. */
  winogradOutput(
    m: number,
    y: number,
    bias: number,
    relu: 0 | 1,
    tile0: number,
    tiles: number,
    tb: number,
    tilesH: number,
    tilesW: number,
    outHeight: number,
    outWidth: number,
    /** channels written from `y` (and `bias`) on */
    cout: number,
    /** floats per pixel of y */
    pixelChannels: number,
  ): void;
}

/** winograd.wat instantiated on `backend`'s own memory (`heapModule`). */
export function winogradKernels(backend: BackendWasm): WinogradWasm {
  return heapModule(backend, WINOGRAD_WASM_BASE64) as WinogradWasm;
}
