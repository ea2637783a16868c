import type { BackendInfo } from '@repvgg/core/compute/backend';
import { UsageError } from '../errors/usage.error';

export const BACKENDS = ['tensorflow', 'wasm', 'cpu'] as const;

/** REPVGG_BACKEND values that leave the choice to the automatic order. */
const AUTO = ['', 'auto'];

/**
 * Activates the compute backend the global `--backend` flag (else REPVGG_BACKEND) names. Loaded on
 * demand: tfjs costs a third of a second at startup, which `info` and `init` do not pay.
 */
export async function startBackend(requested: string | undefined): Promise<BackendInfo> {
  const env = process.env.REPVGG_BACKEND;
  if (requested === undefined && env !== undefined) {
    const value = env.trim().toLowerCase();
    if (!AUTO.includes(value) && !BACKENDS.some((b) => b === value)) {
      throw new UsageError(
        `REPVGG_BACKEND="${env}" is not a compute backend`,
        'set it to tensorflow, wasm or cpu, or unset it to choose automatically',
      );
    }
  }
  // Worker threads and child processes started later read the same choice from the environment.
  if (requested !== undefined) process.env.REPVGG_BACKEND = requested;
  const { initBackend } = await import('@repvgg/core/compute/backend');
  return initBackend(requested);
}
