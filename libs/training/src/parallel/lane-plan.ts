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
