// Original file: proto/rendezvous.proto

export interface ShardWork {
  epoch?: number;
  shard?: number;
  startStep?: number;
  endStep?: number;
  /**
   * First step still to run: start_step, or later when the shard was interrupted.
   */
  resumeStep?: number;
  stepsPerEpoch?: number;
}

export interface ShardWork__Output {
  epoch: number;
  shard: number;
  startStep: number;
  endStep: number;
  /**
   * First step still to run: start_step, or later when the shard was interrupted.
   */
  resumeStep: number;
  stepsPerEpoch: number;
}
