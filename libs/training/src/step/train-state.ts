import { type HostTensor, type StateDict } from '@repvgg/core';
import { floatView } from '@repvgg/core/compute/host-read';
import { SgdOptimizer, type SgdConfig } from '../optim/sgd.optimizer';
import type { ReplicaModel } from './replica-model';
import { RunningStatsError } from './step.error';
import { uploadParams } from './upload-params';

export interface RunningStats {
  readonly mean: Float32Array;
  readonly variance: Float32Array;
  tracked: bigint;
}

/** A model whose weights can be read back in the official layout (TrainModel). */
export interface StatefulModel extends ReplicaModel {
  toStateDict(): StateDict;
}

const RUNNING_MEAN = '.running_mean';

/**
 * The authoritative training state on the host: trainable tensors (in the compute model's variable
 * layout, so updates never transpose), BatchNorm running statistics (official keys), the optimizer
 * and the step counter. `create` puts `params` in one SharedArrayBuffer, so a compute thread that is
 * posted them reads the same memory instead of a copy made every step (the copies' garbage kept
 * V8 collecting: a Mark-Compact every few steps in each lane); the host updates them only between
 * steps, when no lane computes.
 */
export class TrainState {
  constructor(
    readonly params: Map<string, Float32Array>,
    readonly running: Map<string, RunningStats>,
    readonly optimizer: SgdOptimizer,
    public step: number,
  ) {}

  /** Reads the trainable tensors from `model` and the running statistics from `sd`. */
  static create(model: ReplicaModel, sd: StateDict, sgd: SgdConfig): TrainState {
    const variables = [...model.trainableVariables()];
    const shared = new SharedArrayBuffer(4 * variables.reduce((n, [, v]) => n + v.size, 0));
    const params = new Map<string, Float32Array>();
    let offset = 0;
    for (const [key, v] of variables) {
      const view = new Float32Array(shared, 4 * offset, v.size);
      view.set(floatView(v));
      params.set(key, view);
      offset += v.size;
    }
    const running = new Map<string, RunningStats>();
    for (const key of sd.keys()) {
      if (!key.endsWith(RUNNING_MEAN)) continue;
      const prefix = key.slice(0, -RUNNING_MEAN.length);
      const tracked = sd.get(`${prefix}.num_batches_tracked`);
      running.set(prefix, {
        mean: Float32Array.from(floatOf(sd, key)),
        variance: Float32Array.from(floatOf(sd, `${prefix}.running_var`)),
        tracked: tracked?.dtype === 'int64' ? tracked.data[0] : 0n,
      });
    }
    return new TrainState(params, running, new SgdOptimizer(sgd), 0);
  }

  /** Uploads the current weights into a replica's variables. */
  syncTo(model: ReplicaModel): void {
    uploadParams(model, this.params);
  }

  /** The official training state dict: weights from `model` (synced first), running stats from here. */
  toStateDict(model: StatefulModel): StateDict {
    this.syncTo(model);
    const sd = model.toStateDict();
    for (const [prefix, r] of this.running) {
      sd.set(`${prefix}.running_mean`, f32Like(sd, `${prefix}.running_mean`, r.mean));
      sd.set(`${prefix}.running_var`, f32Like(sd, `${prefix}.running_var`, r.variance));
      sd.set(`${prefix}.num_batches_tracked`, {
        dtype: 'int64',
        shape: [],
        data: BigInt64Array.of(r.tracked),
      });
    }
    return sd;
  }
}

function floatOf(sd: StateDict, key: string): Float32Array {
  const t = sd.get(key);
  if (t?.dtype !== 'float32') throw new RunningStatsError(key);
  return t.data;
}

function f32Like(sd: StateDict, key: string, data: Float32Array): HostTensor {
  const shape = sd.get(key)?.shape ?? [data.length];
  return { dtype: 'float32', shape, data: Float32Array.from(data) };
}
