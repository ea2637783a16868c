import { describe, expect, it } from 'vitest';
import { expandArch } from '@repvgg/core/arch/arch-spec';
import { resolveArch } from '@repvgg/core/arch/resolve-arch';
import { FASHION_MNIST_PRESET } from '../presets/fashion-mnist.preset';
import {
  computeThreads,
  MAIN_THREAD_BACKENDS,
  OWN_THREAD_MAX_REPLICA_MACS,
  planLanes,
  replicaStepMacs,
  type LanePlan,
} from './lane-plan';

describe('planLanes', () => {
  it('tensorflow (tfjs-node, tfjs-node-gpu) never gets worker threads', () => {
    expect(MAIN_THREAD_BACKENDS.has('tensorflow')).toBe(true);
    // a worker: child processes keep its heartbeats flowing; one per GPU, however many --threads
    for (const threads of [1, 2, 8]) {
      expect(planLanes('tensorflow', { threads, keepEventLoopFree: true })).toEqual({
        kind: 'processes',
        lanes: 1,
      });
    }
    // repvgg train: nothing else waits on this thread, so the addon runs where it loads
    for (const threads of [0, 1, 4]) {
      expect(planLanes('tensorflow', { threads, keepEventLoopFree: false })).toEqual({
        kind: 'main',
        lanes: 1,
      });
    }
  });

  it('wasm and cpu get the threads asked for, at least one where the event loop must stay free', () => {
    const cases: [threads: number, keepEventLoopFree: boolean, expected: LanePlan][] = [
      [3, true, { kind: 'threads', lanes: 3 }],
      [2, false, { kind: 'threads', lanes: 2 }],
      [0, true, { kind: 'threads', lanes: 1 }],
      [0, false, { kind: 'main', lanes: 1 }],
    ];
    for (const backend of ['wasm', 'cpu']) {
      for (const [threads, keepEventLoopFree, expected] of cases) {
        expect(planLanes(backend, { threads, keepEventLoopFree })).toEqual(expected);
      }
    }
  });

  it('follows the given set of main-thread-only backends', () => {
    const only = new Set(['addon-standin']);
    expect(planLanes('addon-standin', { threads: 2, keepEventLoopFree: true }, only)).toEqual({
      kind: 'processes',
      lanes: 1,
    });
    expect(planLanes('tensorflow', { threads: 2, keepEventLoopFree: true }, only).kind).toBe(
      'threads',
    );
  });

  it("'auto' computes small replica steps on the worker's own thread, large ones on a lane", () => {
    const fashion = expandArch({ ...FASHION_MNIST_PRESET.arch });
    const small = replicaStepMacs(fashion, 28, 64);
    expect(small).toBeCloseTo(3 * 0.79424e6 * 64, -3);
    expect(computeThreads('auto', small)).toBe(0);
    const a0 = resolveArch({ arch: 'A0' });
    const large = replicaStepMacs(a0, 224, 32);
    expect(large).toBeGreaterThan(100e9);
    expect(computeThreads('auto', large)).toBe(1);
    expect(computeThreads('auto', OWN_THREAD_MAX_REPLICA_MACS)).toBe(0);
    expect(computeThreads('auto', OWN_THREAD_MAX_REPLICA_MACS + 1)).toBe(1);
    // an explicit count is kept
    expect(computeThreads(0, large)).toBe(0);
    expect(computeThreads(3, small)).toBe(3);
  });
});
