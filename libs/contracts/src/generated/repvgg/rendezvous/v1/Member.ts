// Original file: proto/rendezvous.proto

export interface Member {
  workerId?: string;
  address?: string;
  rank?: number;
  /**
   * Virtual replicas this member computes (docs/design.md "Virtual replicas").
   */
  replicas?: number[];
}

export interface Member__Output {
  workerId: string;
  address: string;
  rank: number;
  /**
   * Virtual replicas this member computes (docs/design.md "Virtual replicas").
   */
  replicas: number[];
}
