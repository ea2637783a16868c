// Original file: proto/rendezvous.proto

export interface WatchRequest {
  workerId?: string;
}

export interface WatchRequest__Output {
  workerId: string;
}
