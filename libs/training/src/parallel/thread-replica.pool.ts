import type { Worker } from 'node:worker_threads';
import { startModuleWorker } from './module-worker';
import { ReplicaLanePool, type LaneEndpoint } from './replica-lane.pool';
import type { LaneInit, ReplicaReply, ReplicaWorkerInit } from './replica-protocol';

export { ReplicaWorkerError } from './replica-lane.pool';

const threadLane = (worker: Worker): LaneEndpoint => ({
  post: (req, transfer) => {
    worker.postMessage(req, transfer);
  },
  listen: (onReply, onFailure) => {
    worker.on('message', (msg: ReplicaReply) => {
      onReply(msg);
    });
    worker.on('error', (e) => {
      onFailure(e.message);
    });
    worker.on('exit', (code) => {
      if (code !== 0) onFailure(`thread exited with code ${code}`);
    });
  },
  terminate: async () => {
    await worker.terminate();
  },
});

/**
 * Replica lanes on worker threads, each with its own tfjs (wasm runs one thread per engine, so this
 * is how training uses more than one core). Only for backends that load in any thread: a native
 * addon (tfjs-node) loads in one thread per process — see lane-plan.ts and ProcessReplicaPool.
 */
export class ThreadReplicaPool extends ReplicaLanePool {
  /** `init` without training weights: lanes that only evaluate (`validate`, `evaluateBundle`). */
  static async start(
    lanes: number,
    init: LaneInit | ReplicaWorkerInit,
  ): Promise<ThreadReplicaPool> {
    const list = await ReplicaLanePool.openLanes(lanes, 'thread', () =>
      threadLane(startModuleWorker(__dirname, 'replica.worker', init)),
    );
    return new ThreadReplicaPool(list, 'thread');
  }
}
