// Original file: proto/rendezvous.proto

import type { Long } from '@grpc/proto-loader';

export interface HeartbeatRequest {
  workerId?: string;
  jobId?: string;
  generation?: number | string | Long;
  /**
   * Steps this worker's state has applied since the start of training (epoch * steps_per_epoch +
   * step + 1); 0 = none. It can be one more than the coordinator has recorded when the leader was lost
   * between the all-reduce and ReportStep: the next generation then commits that step from its record.
   */
  completedSteps?: number | string | Long;
}

export interface HeartbeatRequest__Output {
  workerId: string;
  jobId: string;
  generation: number;
  /**
   * Steps this worker's state has applied since the start of training (epoch * steps_per_epoch +
   * step + 1); 0 = none. It can be one more than the coordinator has recorded when the leader was lost
   * between the all-reduce and ReportStep: the next generation then commits that step from its record.
   */
  completedSteps: number;
}
