import { ReplicaLanePool, type LaneEndpoint } from './replica-lane.pool';
import { serveReplicaLane } from './replica-lane';
import type { ReplicaReply, ReplicaRequest, ReplicaWorkerInit } from './replica-protocol';

/**
 * A lane served by this thread: the same lane code (serveReplicaLane) without a thread, so requests
 * and answers pass by reference instead of being cloned, and the compute shares this thread's engine
 * and heap. Each request runs as its own macrotask; while it computes, this thread's event loop waits
 * (use it where a step is short against the heartbeat timeout, e.g. a local cluster of small models).
 * `close` disposes the lane's models: they live in this thread's engine, which outlives the pool.
 */
const inThreadLane = (init: ReplicaWorkerInit): LaneEndpoint => {
  let handler: ((req: ReplicaRequest) => void) | undefined;
  let replyTo: ((msg: ReplicaReply) => void) | undefined;
  let stopped = false;
  const early: ReplicaReply[] = [];
  const served = serveReplicaLane(init, {
    send: (msg) => {
      if (replyTo === undefined) early.push(msg);
      else replyTo(msg);
    },
    onRequest: (h) => {
      handler = h;
    },
  });
  return {
    post: (req) => {
      setImmediate(() => {
        if (!stopped) handler?.(req);
      });
    },
    listen: (onReply) => {
      replyTo = onReply;
      for (const msg of early.splice(0)) onReply(msg);
    },
    terminate: async () => {
      stopped = true;
      (await served)();
    },
  };
};

/** One lane on the calling thread (see inThreadLane): what `planLanes` calls kind 'main'. */
export class InThreadReplicaPool extends ReplicaLanePool {
  static async start(init: ReplicaWorkerInit): Promise<InThreadReplicaPool> {
    const list = await ReplicaLanePool.openLanes(1, 'thread', () => inThreadLane(init));
    return new InThreadReplicaPool(list, 'thread');
  }
}
