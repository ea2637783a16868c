// Original file: proto/rendezvous.proto

import type {
  LogLine as _repvgg_rendezvous_v1_LogLine,
  LogLine__Output as _repvgg_rendezvous_v1_LogLine__Output,
} from '../../../repvgg/rendezvous/v1/LogLine';
import type {
  DecodeFailure as _repvgg_rendezvous_v1_DecodeFailure,
  DecodeFailure__Output as _repvgg_rendezvous_v1_DecodeFailure__Output,
} from '../../../repvgg/rendezvous/v1/DecodeFailure';

export interface LogBatch {
  workerId?: string;
  jobId?: string;
  lines?: _repvgg_rendezvous_v1_LogLine[];
  /**
   * Lines of this job the worker dropped since its last batch (its buffer filled while the
   * coordinator was away).
   */
  dropped?: number;
  /**
   * Samples of this job that failed to decode since the previous batch, and a few of them.
   */
  decodeFailures?: number;
  decodeSamples?: _repvgg_rendezvous_v1_DecodeFailure[];
}

export interface LogBatch__Output {
  workerId: string;
  jobId: string;
  lines: _repvgg_rendezvous_v1_LogLine__Output[];
  /**
   * Lines of this job the worker dropped since its last batch (its buffer filled while the
   * coordinator was away).
   */
  dropped: number;
  /**
   * Samples of this job that failed to decode since the previous batch, and a few of them.
   */
  decodeFailures: number;
  decodeSamples: _repvgg_rendezvous_v1_DecodeFailure__Output[];
}
