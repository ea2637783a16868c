// Original file: proto/rendezvous.proto

import type { Long } from '@grpc/proto-loader';

export interface StepReport {
  workerId?: string;
  jobId?: string;
  generation?: number | string | Long;
  epoch?: number;
  step?: number;
  loss?: number | string;
  lr?: number | string;
  images?: number;
  seconds?: number | string;
  allreduceSeconds?: number | string;
  /**
   * Checkpoint folder written after this step, relative to artifact_dir; empty: none.
   */
  checkpoint?: string;
  /**
   * Order-independent digest of the dataset indices every member's micro-batches of this step
   * consumed (libs/training sample-digest.ts: "count:sum:xor:mix", 32-bit hex parts); the chaos
   * audit checks it against the epoch's sample order.
   */
  samplesDigest?: string;
  /**
   * Where this step's time went on the leader, in seconds (`seconds` spans all but the commit):
   * awaiting decoded batches, the replicas' gradients, applying the summed packet, and the
   * previous step's commit (ReportStep round trip and the proceed broadcast; 0 at a shard's first).
   */
  dataWaitSeconds?: number | string;
  computeSeconds?: number | string;
  applySeconds?: number | string;
  commitSeconds?: number | string;
}

export interface StepReport__Output {
  workerId: string;
  jobId: string;
  generation: number;
  epoch: number;
  step: number;
  loss: number;
  lr: number;
  images: number;
  seconds: number;
  allreduceSeconds: number;
  /**
   * Checkpoint folder written after this step, relative to artifact_dir; empty: none.
   */
  checkpoint: string;
  /**
   * Order-independent digest of the dataset indices every member's micro-batches of this step
   * consumed (libs/training sample-digest.ts: "count:sum:xor:mix", 32-bit hex parts); the chaos
   * audit checks it against the epoch's sample order.
   */
  samplesDigest: string;
  /**
   * Where this step's time went on the leader, in seconds (`seconds` spans all but the commit):
   * awaiting decoded batches, the replicas' gradients, applying the summed packet, and the
   * previous step's commit (ReportStep round trip and the proceed broadcast; 0 at a shard's first).
   */
  dataWaitSeconds: number;
  computeSeconds: number;
  applySeconds: number;
  commitSeconds: number;
}
