import type { Architecture, StateDict } from '@repvgg/core';
import type { GradientPacket } from '../step/gradient-packet';
import type { ReplicaBatch } from '../step/replica-model';

export interface ReplicaWorkerInit {
  readonly arch: Architecture;
  /** Official training state dict the worker builds its model from. */
  readonly weights: StateDict;
  readonly globalBatch: number;
  readonly labelSmoothing: number;
  readonly bnSpatial: ReadonlyMap<string, number>;
  readonly backend: string | undefined;
}

export type ReplicaRequest = {
  readonly type: 'compute';
  readonly id: number;
  readonly params: ReadonlyMap<string, Float32Array>;
  readonly replicas: readonly ReplicaBatch[];
};

export type ReplicaReply =
  | { readonly type: 'ready'; readonly backend: string }
  /** One packet per replica of the request, in its order. */
  | { readonly type: 'packets'; readonly id: number; readonly packets: readonly GradientPacket[] }
  | { readonly type: 'error'; readonly message: string };
