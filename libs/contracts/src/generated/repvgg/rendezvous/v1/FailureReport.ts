// Original file: proto/rendezvous.proto

import type { Long } from '@grpc/proto-loader';

export interface FailureReport {
  workerId?: string;
  jobId?: string;
  generation?: number | string | Long;
  failedWorkerId?: string;
  message?: string;
}

export interface FailureReport__Output {
  workerId: string;
  jobId: string;
  generation: number;
  failedWorkerId: string;
  message: string;
}
