// Original file: proto/rendezvous.proto

export interface RegisterReply {
  workerId?: string;
  heartbeatMs?: number;
  heartbeatTimeoutMs?: number;
}

export interface RegisterReply__Output {
  workerId: string;
  heartbeatMs: number;
  heartbeatTimeoutMs: number;
}
