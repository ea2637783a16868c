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
}
