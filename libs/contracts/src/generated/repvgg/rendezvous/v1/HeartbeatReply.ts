// Original file: proto/rendezvous.proto

export interface HeartbeatReply {
  /**
   * false: the coordinator does not know this worker (it restarted or timed it out); register again.
   */
  known?: boolean;
}

export interface HeartbeatReply__Output {
  /**
   * false: the coordinator does not know this worker (it restarted or timed it out); register again.
   */
  known: boolean;
}
