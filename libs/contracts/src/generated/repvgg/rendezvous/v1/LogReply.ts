// Original file: proto/rendezvous.proto

export interface LogReply {
  /**
   * false: refused (the coordinator does not know the worker, or the worker never served the job):
   * drop the batch.
   */
  accepted?: boolean;
}

export interface LogReply__Output {
  /**
   * false: refused (the coordinator does not know the worker, or the worker never served the job):
   * drop the batch.
   */
  accepted: boolean;
}
