import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { z } from 'zod';

/**
 * PyTorch's fused vs multi-branch ratio for RepVGG-A0, measured the way the model bench measures
 * ours (bench/peer/inference_ratio_peer.py): a dev-time yardstick, skipped with a note when
 * `python` cannot import torch.
 */

const PEER = join(resolve(__dirname, '..', '..'), 'bench', 'peer', 'inference_ratio_peer.py');

const peerSchema = z.object({
  torch: z.string(),
  threads: z.number(),
  pairs: z.number(),
  loadAverage: z.number(),
  multiBranchMs: z.number(),
  fusedMs: z.number(),
  speedupWall: z.number(),
  speedupCpu: z.number(),
});

export type TorchRatio = z.infer<typeof peerSchema>;

export function torchRatios(
  python: string,
  threads: readonly number[],
  c: { readonly batch: number; readonly resolution: number; readonly pairs: number },
): TorchRatio[] | { readonly skipped: string } {
  if (!existsSync(python)) return { skipped: `${python} not found` };
  if (spawnSync(python, ['-c', 'import torch']).status !== 0) {
    return { skipped: `${python} cannot import torch (Debian: apt-get install python3-torch)` };
  }
  return threads.map((t) => {
    const args = [PEER, '--threads', t, '--pairs', c.pairs, '--batch', c.batch];
    const r = spawnSync(python, [...args, '--resolution', c.resolution].map(String), {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    if (r.status !== 0) throw new Error(`${PEER} exited with ${String(r.status)}`);
    return peerSchema.parse(JSON.parse(r.stdout.trim().split('\n').pop() ?? ''));
  });
}
