import { countMacs } from '@repvgg/core/arch/cost';
import type { Architecture } from '@repvgg/core';

/**
 * Where a run computes its replicas:
 * - 'threads': worker threads of this process (ThreadReplicaPool), one tfjs engine each;
 * - 'processes': child processes (ProcessReplicaPool), the backend on each one's main thread;
 * - 'main': in this thread (LocalReplicaPool).
 */
export type LaneKind = 'threads' | 'processes' | 'main';

export interface LanePlan {
  readonly kind: LaneKind;
  /** Lanes of that kind ('main': 1). */
  readonly lanes: number;
}

/**
 * tfjs backends whose native addon loads in one thread per process only ("Module did not
 * self-register" in a second worker thread: tensorflow/tfjs#8388, #2079). They run each op on
 * their own thread pool (or the GPU), so one lane already uses the machine: more would only
 * contend for the same cores or device (one worker per GPU, chosen by CUDA_VISIBLE_DEVICES).
 */
export const MAIN_THREAD_BACKENDS: ReadonlySet<string> = new Set(['tensorflow']);

export interface LaneNeeds {
  /** Lanes asked for (`--threads`); 0: none, compute on the calling thread. */
  readonly threads: number;
  /**
   * Whether the calling thread must keep serving its event loop while a step computes (a worker's
   * heartbeats and its peers' gRPC): a step outlasts a heartbeat interval, and a native backend's
   * ops block the thread that calls them.
   */
  readonly keepEventLoopFree: boolean;
}

/**
 * The lanes for `backend` (the active tfjs backend's name) given what the caller needs;
 * `mainThreadOnly`: the backends that load in one thread per process.
 */
export function planLanes(
  backend: string,
  needs: LaneNeeds,
  mainThreadOnly: ReadonlySet<string> = MAIN_THREAD_BACKENDS,
): LanePlan {
  if (mainThreadOnly.has(backend)) {
    return needs.keepEventLoopFree ? { kind: 'processes', lanes: 1 } : { kind: 'main', lanes: 1 };
  }
  if (needs.threads > 0) return { kind: 'threads', lanes: needs.threads };
  if (needs.keepEventLoopFree) return { kind: 'threads', lanes: 1 };
  return { kind: 'main', lanes: 1 };
}

/** A worker's compute threads: a count, or 'auto' (computeThreads). */
export type ThreadRequest = number | 'auto';

/**
 * Forward plus backward multiply-accumulates of one replica's micro-batch at or under which an 'auto'
 * worker computes on its own thread. About 0.3 s of wasm compute at the ~6.6 GMAC/s a training lane
 * reaches here (docs/training.md): the event loop that serves heartbeats waits that long at most per
 * step, some 30 times under the coordinator's default 10 s heartbeat timeout. The Fashion-MNIST preset
 * is 0.15 GMAC per replica; RepVGG-A0 at 224² with 32 images 130 GMAC.
 */
export const OWN_THREAD_MAX_REPLICA_MACS = 2e9;

/** Training multiply-accumulates of one replica's step: forward, and backward as twice that. */
export function replicaStepMacs(arch: Architecture, imageSize: number, batch: number): number {
  return 3 * countMacs(arch, imageSize, 'train') * batch;
}

/**
 * The compute threads for a worker: 'auto' is 0 (its own thread) for small steps, where a thread
 * of its own would only add a hop per step on cores the worker shares (a local cluster:
 * docs/training.md), and 1 otherwise, so a long step never holds up heartbeats.
 */
export function computeThreads(requested: ThreadRequest, replicaMacs: number): number {
  if (requested !== 'auto') return requested;
  return replicaMacs <= OWN_THREAD_MAX_REPLICA_MACS ? 0 : 1;
}
