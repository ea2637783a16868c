import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

/** The part of the WebAssembly JS API used here (this project's TypeScript libs do not declare it). */
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: object };
}

/** The Emscripten module behind a BackendWasm: its exports include the heap's WebAssembly.Memory. */
interface EmscriptenModule {
  readonly asm?: { readonly memory?: object };
}

const compiled = new Map<string, object>();
const instances = new WeakMap<object, Map<string, object>>();

/**
 * An embedded module (base64, from scripts/assemble-wasm.js) instantiated on `backend`'s own memory,
 * once per memory and module, so its functions read and write tensors in place. Throws when the
 * runtime lacks WebAssembly SIMD or the backend does not expose its memory: the wasm backend itself
 * needs both, so that is a broken install, not a fallback.
 */
export function heapModule(backend: BackendWasm, base64: string): object {
  const memory = (backend.wasm as unknown as EmscriptenModule).asm?.memory;
  if (memory === undefined) {
    throw new Error('tfjs-backend-wasm does not expose its WebAssembly memory (Module.asm.memory)');
  }
  let byModule = instances.get(memory);
  if (byModule === undefined) {
    byModule = new Map();
    instances.set(memory, byModule);
  }
  let exports = byModule.get(base64);
  if (exports === undefined) {
    const api = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;
    let module = compiled.get(base64);
    if (module === undefined) {
      module = new api.Module(Buffer.from(base64, 'base64'));
      compiled.set(base64, module);
    }
    exports = new api.Instance(module, { env: { memory } }).exports;
    byModule.set(base64, exports);
  }
  return exports;
}
