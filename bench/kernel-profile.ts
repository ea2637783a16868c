import { tf } from '@repvgg/core/compute/tf';

/** One kernel's share of a profiled call. */
export interface KernelShare {
  readonly kernel: string;
  readonly ms: number;
  readonly calls: number;
}

/**
 * Per kernel, the least total time over `runs` profiled calls of `f` (`tf.profile`), most
 * expensive first: on a shared machine the least is the run the other processes disturbed least.
 */
export async function leastKernelTimes(f: () => void, runs: number): Promise<KernelShare[]> {
  const best = new Map<string, KernelShare>();
  for (let i = 0; i < runs; i++) {
    const info = await tf.profile(f);
    const perRun = new Map<string, KernelShare>();
    // tfjs also lists each op that wraps a kernel (`fusedConv2d__op`): counting both would double.
    for (const k of info.kernels.filter((e) => !e.name.endsWith('__op'))) {
      const prev = perRun.get(k.name);
      const ms = typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0;
      perRun.set(k.name, {
        kernel: k.name,
        ms: (prev?.ms ?? 0) + ms,
        calls: (prev?.calls ?? 0) + 1,
      });
    }
    for (const [k, v] of perRun) if (v.ms < (best.get(k)?.ms ?? Infinity)) best.set(k, v);
  }
  return [...best.values()].sort((a, b) => b.ms - a.ms);
}
