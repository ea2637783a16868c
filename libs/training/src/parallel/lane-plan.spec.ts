import { describe, expect, it } from 'vitest';
import { MAIN_THREAD_BACKENDS, planLanes, type LanePlan } from './lane-plan';

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
});
