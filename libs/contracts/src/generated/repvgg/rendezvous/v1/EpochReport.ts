// Original file: proto/rendezvous.proto

import type { Long } from '@grpc/proto-loader';

export interface EpochReport {
  workerId?: string;
  jobId?: string;
  generation?: number | string | Long;
  epoch?: number;
  valLoss?: number | string;
  top1?: number | string;
  top5?: number | string;
  imagesPerSecond?: number | string;
  /**
   * The end-of-epoch checkpoint folder, relative to artifact_dir.
   */
  checkpoint?: string;
}

export interface EpochReport__Output {
  workerId: string;
  jobId: string;
  generation: number;
  epoch: number;
  valLoss: number;
  top1: number;
  top5: number;
  imagesPerSecond: number;
  /**
   * The end-of-epoch checkpoint folder, relative to artifact_dir.
   */
  checkpoint: string;
}
