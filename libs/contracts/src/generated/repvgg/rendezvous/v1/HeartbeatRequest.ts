// Original file: proto/rendezvous.proto

import type { Long } from '@grpc/proto-loader';

export interface HeartbeatRequest {
  workerId?: string;
  jobId?: string;
  generation?: number | string | Long;
  /**
   * Steps committed since the start of training (epoch * steps_per_epoch + step + 1); 0 = none.
   */
  completedSteps?: number | string | Long;
}

export interface HeartbeatRequest__Output {
  workerId: string;
  jobId: string;
  generation: number;
  /**
   * Steps committed since the start of training (epoch * steps_per_epoch + step + 1); 0 = none.
   */
  completedSteps: number;
}
