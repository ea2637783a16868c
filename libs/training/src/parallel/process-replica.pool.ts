import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { startModuleProcess } from './module-worker';
import { ReplicaLanePool, type LaneEndpoint } from './replica-lane.pool';
import type { ReplicaReply, ReplicaWorkerInit } from './replica-protocol';

const processLane = (child: ChildProcess, init: ReplicaWorkerInit): LaneEndpoint => ({
  // IPC copies (no transfer list); 'advanced' serialization keeps Maps and typed arrays
  post: (req) => {
    child.send(req);
  },
  listen: (onReply, onFailure) => {
    child.on('message', (msg: ReplicaReply) => {
      onReply(msg);
    });
    child.on('error', (e) => {
      onFailure(e.message);
    });
    child.on('exit', (code, signal) => {
      if (code !== 0) onFailure(`process exited with ${signal ?? `code ${String(code)}`}`);
    });
    child.send(init);
  },
  terminate: async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = once(child, 'exit');
    child.kill();
    await exited;
  },
});

/**
 * Replica lanes in child processes, each with its own tfjs engine on the main thread of its own
 * process: the lane kind for backends whose native addon loads in one thread per process only
 * (tfjs-node, tfjs-node-gpu: "Module did not self-register" in a second worker thread,
 * tensorflow/tfjs#8388, #2079), and whose ops block the thread that calls them — here not the
 * worker's, so its heartbeats keep flowing. Children inherit the environment (CUDA_VISIBLE_DEVICES)
 * and end with the pool, or when the pool's process is gone (IPC disconnect).
 */
export class ProcessReplicaPool extends ReplicaLanePool {
  static async start(lanes: number, init: ReplicaWorkerInit): Promise<ProcessReplicaPool> {
    const list = await ReplicaLanePool.openLanes(lanes, 'process', () =>
      processLane(startModuleProcess(__dirname, 'replica.process'), init),
    );
    return new ProcessReplicaPool(list, 'process');
  }
}
