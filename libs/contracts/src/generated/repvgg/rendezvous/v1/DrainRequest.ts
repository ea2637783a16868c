// Original file: proto/rendezvous.proto

export interface DrainRequest {
  workerId?: string;
}

export interface DrainRequest__Output {
  workerId: string;
}
