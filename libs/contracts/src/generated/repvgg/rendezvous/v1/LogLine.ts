// Original file: proto/rendezvous.proto

import type { Long } from '@grpc/proto-loader';

export interface LogLine {
  /**
   * ISO 8601 time the worker logged the line.
   */
  at?: string;
  /**
   * debug, info, warn or error.
   */
  level?: string;
  message?: string;
  generation?: number | string | Long;
  rank?: number;
  /**
   * Optimizer step within the epoch.
   */
  step?: number;
  _generation?: 'generation';
  _rank?: 'rank';
  _step?: 'step';
}

export interface LogLine__Output {
  /**
   * ISO 8601 time the worker logged the line.
   */
  at: string;
  /**
   * debug, info, warn or error.
   */
  level: string;
  message: string;
  generation?: number;
  rank?: number;
  /**
   * Optimizer step within the epoch.
   */
  step?: number;
  _generation?: 'generation';
  _rank?: 'rank';
  _step?: 'step';
}
