import type { ReplicaReply, ReplicaRequest, ReplicaWorkerInit } from './replica-protocol';
import { serveReplicaLane } from './replica-lane';

/**
 * A process lane (ProcessReplicaPool): the first message on the IPC channel is the lane's init,
 * every later one a request. The channel uses 'advanced' serialization, so Maps and typed arrays
 * arrive as they were sent (copied: IPC has no transfer list).
 */
const send = (msg: ReplicaReply): void => {
  process.send?.(msg);
};
let deliver: ((req: ReplicaRequest) => void) | undefined;
const early: ReplicaRequest[] = [];
process.once('message', (init: ReplicaWorkerInit) => {
  process.on('message', (req: ReplicaRequest) => {
    if (deliver === undefined) early.push(req);
    else deliver(req);
  });
  void serveReplicaLane(init, {
    send,
    onRequest: (handler) => {
      deliver = handler;
      for (const req of early.splice(0)) handler(req);
    },
  });
});
// The pool is gone (closed, or its process died): a lane must not outlive it.
process.on('disconnect', () => {
  process.exit(0);
});
