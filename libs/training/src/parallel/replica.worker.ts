import { parentPort, workerData } from 'node:worker_threads';
import { serveReplicaLane } from './replica-lane';
import type { ReplicaRequest, ReplicaWorkerInit } from './replica-protocol';

/** A thread lane (ThreadReplicaPool): the lane's init is the thread's workerData. */
const port = parentPort;
if (port !== null) {
  void serveReplicaLane(workerData as ReplicaWorkerInit, {
    send: (msg, transfer) => {
      port.postMessage(msg, transfer);
    },
    onRequest: (handler) => {
      port.on('message', (req: ReplicaRequest) => {
        handler(req);
      });
    },
  });
}
