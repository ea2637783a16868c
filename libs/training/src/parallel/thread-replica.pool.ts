import type { Worker } from 'node:worker_threads';
import { addPacket, emptyPacket, type GradientPacket } from '../step/gradient-packet';
import type { ReplicaBatch } from '../step/replica-model';
import type { ReplicaPool } from '../trainer/replica-pool';
import { startModuleWorker } from './module-worker';
import type { ReplicaReply, ReplicaRequest, ReplicaWorkerInit } from './replica-protocol';

export class ReplicaWorkerError extends Error {
  constructor(message: string) {
    super(`a replica thread failed: ${message}`);
    this.name = 'ReplicaWorkerError';
  }
}

interface Lane {
  readonly worker: Worker;
  pending:
    { resolve: (p: readonly GradientPacket[]) => void; reject: (e: Error) => void } | undefined;
  /** Set when the thread failed or exited: later steps are refused instead of waiting forever. */
  failure: Error | undefined;
}

/**
 * Spreads a step's replicas over worker threads, each with its own tfjs (wasm runs one thread per
 * engine, so this is how training uses more than one core). Replicas go out in contiguous runs and the
 * packets are summed in lane order, so the result does not depend on thread timing.
 */
export class ThreadReplicaPool implements ReplicaPool {
  private nextId = 0;

  private constructor(private readonly laneList: Lane[]) {}

  get lanes(): number {
    return this.laneList.length;
  }

  static async start(lanes: number, init: ReplicaWorkerInit): Promise<ThreadReplicaPool> {
    const list: Lane[] = [];
    const ready: Promise<void>[] = [];
    for (let i = 0; i < lanes; i++) {
      const worker = startModuleWorker(__dirname, 'replica.worker', init);
      const lane: Lane = { worker, pending: undefined, failure: undefined };
      list.push(lane);
      ready.push(
        new Promise<void>((resolve, reject) => {
          const fail = (e: Error): void => {
            lane.failure ??= e;
            const pending = lane.pending;
            lane.pending = undefined;
            pending?.reject(e);
            reject(e);
          };
          worker.on('message', (msg: ReplicaReply) => {
            switch (msg.type) {
              case 'ready':
                resolve();
                return;
              case 'packets': {
                const pending = lane.pending;
                lane.pending = undefined;
                pending?.resolve(msg.packets);
                return;
              }
              case 'error':
                fail(new ReplicaWorkerError(msg.message));
                return;
            }
          });
          worker.on('error', (e) => {
            fail(new ReplicaWorkerError(e.message));
          });
          worker.on('exit', (code) => {
            if (code !== 0) fail(new ReplicaWorkerError(`thread exited with code ${code}`));
          });
        }),
      );
    }
    const pool = new ThreadReplicaPool(list);
    try {
      await Promise.all(ready);
    } catch (e) {
      await pool.close();
      throw e;
    }
    return pool;
  }

  async compute(
    params: ReadonlyMap<string, Float32Array>,
    replicas: readonly ReplicaBatch[],
  ): Promise<GradientPacket> {
    const lanes = await this.computeLanes(params, replicas);
    // each lane's sum first, then the lanes in order: the arithmetic of one computeGradients per lane
    return lanes
      .map((packets) => packets.reduce((sum, p) => addPacket(sum, p), emptyPacket()))
      .reduce((sum, p) => addPacket(sum, p), emptyPacket());
  }

  /**
   * Every replica's own packet, in the order of `replicas` (for collectives that sum per-replica
   * contributions, e.g. deterministic mode): the event loop stays free while the lanes compute.
   */
  async computeEach(
    params: ReadonlyMap<string, Float32Array>,
    replicas: readonly ReplicaBatch[],
  ): Promise<GradientPacket[]> {
    return (await this.computeLanes(params, replicas)).flat();
  }

  private computeLanes(
    params: ReadonlyMap<string, Float32Array>,
    replicas: readonly ReplicaBatch[],
  ): Promise<(readonly GradientPacket[])[]> {
    const n = this.laneList.length;
    const work = this.laneList.map((lane, i) => {
      const from = Math.floor((i * replicas.length) / n);
      const to = Math.floor(((i + 1) * replicas.length) / n);
      if (from === to) return Promise.resolve([]);
      if (lane.failure !== undefined) return Promise.reject(lane.failure);
      return new Promise<readonly GradientPacket[]>((resolve, reject) => {
        lane.pending = { resolve, reject };
        const req: ReplicaRequest = {
          type: 'compute',
          id: this.nextId++,
          params,
          // slice: a view into a larger buffer would be cloned whole
          replicas: replicas.slice(from, to).map((r) => ({
            images: r.images.slice(),
            shape: r.shape,
            labels: r.labels.slice(),
          })),
        };
        lane.worker.postMessage(req);
      });
    });
    return Promise.all(work);
  }

  async close(): Promise<void> {
    await Promise.all(this.laneList.map((l) => l.worker.terminate()));
  }
}
