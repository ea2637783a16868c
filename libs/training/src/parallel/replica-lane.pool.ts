import type { StateDict } from '@repvgg/core';
import type { BucketPlan } from '../step/bucket-plan';
import { addPacket, emptyPacket, type GradientPacket } from '../step/gradient-packet';
import type { ReplicaBatch } from '../step/replica-model';
import type { ValidationMetrics } from '../trainer/epoch-metrics';
import type { ReplicaPool } from '../trainer/replica-pool';
import type { BatchEvaluation } from '../trainer/validate';
import { validateOnLanes } from './lane-validation';
import type { ReplicaReply, ReplicaRequest } from './replica-protocol';

/** Where a pool's lanes run: worker threads of this process, or child processes. */
export type LaneHost = 'thread' | 'process';

export class ReplicaWorkerError extends Error {
  constructor(message: string, host: LaneHost = 'thread') {
    super(`a replica ${host} failed: ${message}`);
    this.name = 'ReplicaWorkerError';
  }
}

/** One lane as its pool sees it, whatever runs it. */
export interface LaneEndpoint {
  post(req: ReplicaRequest, transfer: ArrayBuffer[]): void;
  /** `onFailure`: the lane's thread or process failed to start, crashed or exited. */
  listen(onReply: (msg: ReplicaReply) => void, onFailure: (message: string) => void): void;
  terminate(): Promise<void>;
}

type Answer = Exclude<ReplicaReply, { type: 'ready' } | { type: 'error' } | { type: 'part' }>;

/** Receives the parts of a streamed compute: `replica` indexes the step's replicas. */
export type PartSink = (replica: number, part: number, data: Float32Array) => void;

interface Pending {
  resolve: (r: Answer) => void;
  reject: (e: Error) => void;
  /** A streamed compute's parts, by the request's own replica index. */
  onPart?: (replica: number, part: number, data: Float32Array) => void;
}

interface Lane {
  readonly endpoint: LaneEndpoint;
  /** Requests posted and not yet answered, by id (a lane answers them in order). */
  readonly pending: Map<number, Pending>;
  /** Set when the lane failed or exited: later requests are refused instead of waiting forever. */
  failure: Error | undefined;
}

/** A copy of the batch that owns its buffers (a view into a larger buffer would be cloned whole). */
const ownBatch = (r: ReplicaBatch): ReplicaBatch => ({
  images: r.images.slice(),
  shape: r.shape,
  labels: r.labels.slice(),
});

/** The buffers of a batch from `ownBatch`, moved to the lane rather than cloned once more. */
const transferable = (own: ReplicaBatch): ArrayBuffer[] => [
  own.images.buffer as ArrayBuffer,
  own.labels.buffer as ArrayBuffer,
];

/**
 * Spreads a step's replicas over compute lanes, each with its own tfjs engine (ThreadReplicaPool:
 * worker threads; ProcessReplicaPool: child processes). Replicas go out in contiguous runs and the
 * packets are summed in lane order, so the result depends neither on timing nor on where the lanes
 * run. The same lanes evaluate validation batches, so neither keeps the event loop busy.
 */
export class ReplicaLanePool implements ReplicaPool {
  private nextId = 0;

  protected constructor(
    private readonly laneList: Lane[],
    private readonly host: LaneHost,
  ) {}

  get lanes(): number {
    return this.laneList.length;
  }

  /** Whether a lane failed or exited: every later request is refused; start a new pool. */
  get broken(): boolean {
    return this.laneList.some((lane) => lane.failure !== undefined);
  }

  /** Opens `lanes` endpoints and resolves once every lane answered 'ready'. */
  protected static async openLanes(
    lanes: number,
    host: LaneHost,
    open: () => LaneEndpoint,
  ): Promise<Lane[]> {
    // With no lane a step would compute nothing and validation would divide by zero, silently.
    if (!Number.isInteger(lanes) || lanes < 1) {
      throw new RangeError(`a replica pool needs at least 1 compute ${host}, got ${lanes}`);
    }
    const list: Lane[] = [];
    const ready: Promise<void>[] = [];
    for (let i = 0; i < lanes; i++) {
      const endpoint = open();
      const lane: Lane = { endpoint, pending: new Map(), failure: undefined };
      list.push(lane);
      ready.push(
        new Promise<void>((resolve, reject) => {
          const fail = (e: Error): void => {
            lane.failure ??= e;
            const pending = [...lane.pending.values()];
            lane.pending.clear();
            for (const p of pending) p.reject(e);
            reject(e);
          };
          endpoint.listen(
            (msg) => {
              switch (msg.type) {
                case 'ready':
                  resolve();
                  return;
                case 'error': {
                  const error = new ReplicaWorkerError(msg.message, host);
                  if (msg.id === undefined) {
                    fail(error);
                    return;
                  }
                  // One request failed (e.g. a batch too small): the lane itself is fine.
                  const pending = lane.pending.get(msg.id);
                  lane.pending.delete(msg.id);
                  pending?.reject(error);
                  return;
                }
                case 'part':
                  lane.pending.get(msg.id)?.onPart?.(msg.replica, msg.part, msg.data);
                  return;
                case 'packets':
                case 'metrics':
                case 'done': {
                  const pending = lane.pending.get(msg.id);
                  lane.pending.delete(msg.id);
                  pending?.resolve(msg);
                  return;
                }
              }
            },
            (message) => {
              fail(new ReplicaWorkerError(message, host));
            },
          );
        }),
      );
    }
    try {
      await Promise.all(ready);
    } catch (e) {
      await Promise.all(list.map((l) => l.endpoint.terminate()));
      throw e;
    }
    return list;
  }

  async compute(
    params: ReadonlyMap<string, Float32Array>,
    replicas: readonly ReplicaBatch[],
  ): Promise<GradientPacket> {
    // each lane sums its replicas (computeGradients) on its own engine; here only the lanes, in order
    const lanes = await this.computeLanes(params, replicas, false);
    return lanes.flat().reduce((sum, p) => addPacket(sum, p), emptyPacket());
  }

  /**
   * Every replica's own packet, in the order of `replicas` (for collectives that sum per-replica
   * contributions, e.g. deterministic mode): the event loop stays free while the lanes compute.
   */
  async computeEach(
    params: ReadonlyMap<string, Float32Array>,
    replicas: readonly ReplicaBatch[],
  ): Promise<GradientPacket[]> {
    return (await this.computeLanes(params, replicas, true)).flat();
  }

  /**
   * `computeEach` in parts (`BucketPlan`): `onPart` gets each replica's tail and gradient buckets as
   * the lanes finish them (`streamReplicaGradients`), while later parts are still being computed;
   * resolves once every part of every replica was delivered.
   */
  async computeStream(
    params: ReadonlyMap<string, Float32Array>,
    replicas: readonly ReplicaBatch[],
    plan: BucketPlan,
    onPart: PartSink,
  ): Promise<void> {
    const n = this.laneList.length;
    const work = this.laneList.map(async (lane, i) => {
      const from = Math.floor((i * replicas.length) / n);
      const to = Math.floor(((i + 1) * replicas.length) / n);
      if (from === to) return;
      const own = replicas.slice(from, to).map(ownBatch);
      const reply = await this.request(
        lane,
        { type: 'compute', id: this.nextId++, params, replicas: own, each: true, stream: plan },
        own.flatMap((r) => transferable(r)),
        (replica, part, data) => {
          onPart(from + replica, part, data);
        },
      );
      if (reply.type !== 'done')
        throw new ReplicaWorkerError(`answered ${reply.type} to a streamed compute`, this.host);
    });
    await Promise.all(work);
  }

  /**
   * `validate` of `evaluationModel(weights)` (an official training state dict, fused with its
   * running statistics) over the batches, computed on the lanes: the same metrics, bit for bit,
   * while the event loop stays free.
   */
  validate(weights: StateDict, batches: AsyncIterable<ReplicaBatch>): Promise<ValidationMetrics> {
    return validateOnLanes(this, weights, batches);
  }

  /**
   * The metrics of a deploy bundle's fused model (`deploySd` as it is) over the batches, computed on
   * the lanes as `validate` does: the same metrics, bit for bit, as one pass on one thread.
   */
  evaluateBundle(
    deploySd: StateDict,
    batches: AsyncIterable<ReplicaBatch>,
  ): Promise<ValidationMetrics> {
    return validateOnLanes(this, deploySd, batches, true);
  }

  /**
   * Loads the evaluation model into every lane (see `validate`); `deploy`: `weights` is a deploy
   * state dict, used as it is.
   */
  async loadEvaluation(weights: StateDict, deploy = false): Promise<void> {
    await Promise.all(
      this.laneList.map((lane) =>
        this.request(lane, { type: 'eval-load', id: this.nextId++, weights, deploy }),
      ),
    );
  }

  /** One batch's evaluation on the least busy lane; needs `loadEvaluation` first. */
  async evaluate(batch: ReplicaBatch): Promise<BatchEvaluation> {
    const lane = this.laneList.reduce((a, b) => (b.pending.size < a.pending.size ? b : a));
    const own = ownBatch(batch);
    const reply = await this.request(
      lane,
      { type: 'evaluate', id: this.nextId++, batch: own },
      transferable(own),
    );
    if (reply.type !== 'metrics')
      throw new ReplicaWorkerError(`answered ${reply.type} to evaluate`, this.host);
    return reply.metrics;
  }

  /** Frees the lanes' evaluation models (failed lanes are skipped: they hold nothing any more). */
  async releaseEvaluation(): Promise<void> {
    await Promise.all(
      this.laneList
        .filter((lane) => lane.failure === undefined)
        .map((lane) => this.request(lane, { type: 'eval-release', id: this.nextId++ })),
    );
  }

  private computeLanes(
    params: ReadonlyMap<string, Float32Array>,
    replicas: readonly ReplicaBatch[],
    each: boolean,
  ): Promise<(readonly GradientPacket[])[]> {
    const n = this.laneList.length;
    const work = this.laneList.map(async (lane, i) => {
      const from = Math.floor((i * replicas.length) / n);
      const to = Math.floor(((i + 1) * replicas.length) / n);
      if (from === to) return [];
      const own = replicas.slice(from, to).map(ownBatch);
      const reply = await this.request(
        lane,
        { type: 'compute', id: this.nextId++, params, replicas: own, each },
        own.flatMap((r) => transferable(r)),
      );
      if (reply.type !== 'packets')
        throw new ReplicaWorkerError(`answered ${reply.type} to compute`, this.host);
      return reply.packets;
    });
    return Promise.all(work);
  }

  private request(
    lane: Lane,
    req: ReplicaRequest,
    transfer: ArrayBuffer[] = [],
    onPart?: Pending['onPart'],
  ): Promise<Answer> {
    if (lane.failure !== undefined) return Promise.reject(lane.failure);
    return new Promise<Answer>((resolve, reject) => {
      lane.pending.set(req.id, { resolve, reject, onPart });
      lane.endpoint.post(req, transfer);
    });
  }

  async close(): Promise<void> {
    await Promise.all(this.laneList.map((l) => l.endpoint.terminate()));
  }
}
