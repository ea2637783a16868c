// Original file: proto/rendezvous.proto

export interface ValidateWork {
  epoch?: number;
}

export interface ValidateWork__Output {
  epoch: number;
}
