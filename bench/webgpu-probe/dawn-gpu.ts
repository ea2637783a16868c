import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';

/** bench/webgpu-probe in the source tree (benches run from dist/bench). */
export const PROBE_DIR = resolve(__dirname, '..', '..', '..', 'bench', 'webgpu-probe');

/** The parts of Dawn's WebGPU objects the probe touches (`webgpu` ships no types we depend on). */
interface GpuAdapter {
  readonly info: { readonly device: string; readonly description: string };
}
interface Gpu {
  requestAdapter(options?: Record<string, unknown>): Promise<GpuAdapter | null>;
}
interface DawnModule {
  create(flags: string[]): Gpu;
  globals: Record<string, unknown>;
}

/** One way of asking Dawn for an adapter. */
export interface DawnAttempt {
  readonly label: string;
  readonly flags: readonly string[];
  /** Dawn's OpenGL ES backend offers only WebGPU's compatibility feature level. */
  readonly featureLevel?: 'compatibility';
}

/** Vulkan first (a real GPU, or Mesa's lavapipe), then OpenGL ES (Mesa's llvmpipe without a display). */
export const ATTEMPTS: readonly DawnAttempt[] = [
  { label: 'vulkan', flags: ['backend=vulkan'] },
  { label: 'opengles, compatibility', flags: ['backend=opengles'], featureLevel: 'compatibility' },
];

export interface AdapterOutcome {
  readonly attempt: string;
  /** Dawn's device string and description, or null where Dawn offered no adapter (its reason is on stderr). */
  readonly adapter: { readonly device: string; readonly description: string } | null;
}

export const probeRequire = createRequire(join(PROBE_DIR, 'package.json'));

export function probeInstalled(): boolean {
  return existsSync(join(PROBE_DIR, 'node_modules', 'webgpu', 'package.json'));
}

/**
 * Tries each attempt in order and makes the first that yields an adapter `navigator.gpu`, where
 * tfjs-backend-webgpu looks for it (it registers the backend only if that exists when it loads).
 */
export async function installDawnGpu(): Promise<{ outcomes: AdapterOutcome[]; chosen?: string }> {
  // Mesa's EGL needs no display on its surfaceless platform.
  process.env.EGL_PLATFORM ??= 'surfaceless';
  // `webgpu` is an ES module without top-level await: Node ≥ 20.19 requires it.
  const dawn = probeRequire('webgpu') as DawnModule;
  Object.assign(globalThis, dawn.globals);
  const outcomes: AdapterOutcome[] = [];
  for (const attempt of ATTEMPTS) {
    const gpu = dawn.create([...attempt.flags]);
    const level = attempt.featureLevel === undefined ? {} : { featureLevel: attempt.featureLevel };
    const adapter = await gpu.requestAdapter(level);
    outcomes.push({
      attempt: attempt.label,
      adapter:
        adapter === null
          ? null
          : { device: adapter.info.device, description: adapter.info.description },
    });
    if (adapter === null) continue;
    const wrapped = {
      requestAdapter: (options: Record<string, unknown> = {}) =>
        gpu.requestAdapter({ ...options, ...level }),
    };
    // Node 20 has no navigator; Node 21+ has one without `gpu`.
    Object.defineProperty(globalThis, 'navigator', {
      value: { gpu: wrapped },
      configurable: true,
      writable: true,
    });
    return { outcomes, chosen: attempt.label };
  }
  return { outcomes };
}
