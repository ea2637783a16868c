// Original file: proto/rendezvous.proto

export interface DecodeFailure {
  /**
   * The sample's path (image folders) or name (IDX), as the data source reports it.
   */
  sample?: string;
  reason?: string;
}

export interface DecodeFailure__Output {
  /**
   * The sample's path (image folders) or name (IDX), as the data source reports it.
   */
  sample: string;
  reason: string;
}
