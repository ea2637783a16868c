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
   * Artifact name of a checkpoint written after this step; empty: none.
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
   * Artifact name of a checkpoint written after this step; empty: none.
   */
  checkpoint: string;
}
