// Original file: proto/rendezvous.proto

import type {
  Member as _repvgg_rendezvous_v1_Member,
  Member__Output as _repvgg_rendezvous_v1_Member__Output,
} from '../../../repvgg/rendezvous/v1/Member';
import type {
  ShardWork as _repvgg_rendezvous_v1_ShardWork,
  ShardWork__Output as _repvgg_rendezvous_v1_ShardWork__Output,
} from '../../../repvgg/rendezvous/v1/ShardWork';
import type {
  ValidateWork as _repvgg_rendezvous_v1_ValidateWork,
  ValidateWork__Output as _repvgg_rendezvous_v1_ValidateWork__Output,
} from '../../../repvgg/rendezvous/v1/ValidateWork';
import type { Long } from '@grpc/proto-loader';

export interface Assignment {
  /**
   * Empty: the worker is idle and waits for the next assignment.
   */
  jobId?: string;
  generation?: number | string | Long;
  /**
   * Collective messages of this generation carry this token; peers refuse any other.
   */
  token?: string;
  /**
   * Ring order.
   */
  members?: _repvgg_rendezvous_v1_Member[];
  rank?: number;
  leaderId?: string;
  /**
   * The validated job spec (libs/contracts jobSpecSchema output) as JSON.
   */
  jobSpecJson?: string;
  /**
   * The job's folder relative to the artifact store's root (each side resolves it against its own
   * mount of the store); checkpoints are written under it.
   */
  artifactDir?: string;
  /**
   * The checkpoint folder to start from when no live member has the state, relative to the
   * artifact store's root (the latest one reported, else the job's initialCheckpoint); empty: none
   * (initialize from the seed).
   */
  checkpoint?: string;
  shard?: _repvgg_rendezvous_v1_ShardWork | null;
  validate?: _repvgg_rendezvous_v1_ValidateWork | null;
  work?: 'shard' | 'validate';
}

export interface Assignment__Output {
  /**
   * Empty: the worker is idle and waits for the next assignment.
   */
  jobId: string;
  generation: number;
  /**
   * Collective messages of this generation carry this token; peers refuse any other.
   */
  token: string;
  /**
   * Ring order.
   */
  members: _repvgg_rendezvous_v1_Member__Output[];
  rank: number;
  leaderId: string;
  /**
   * The validated job spec (libs/contracts jobSpecSchema output) as JSON.
   */
  jobSpecJson: string;
  /**
   * The job's folder relative to the artifact store's root (each side resolves it against its own
   * mount of the store); checkpoints are written under it.
   */
  artifactDir: string;
  /**
   * The checkpoint folder to start from when no live member has the state, relative to the
   * artifact store's root (the latest one reported, else the job's initialCheckpoint); empty: none
   * (initialize from the seed).
   */
  checkpoint: string;
  shard?: _repvgg_rendezvous_v1_ShardWork__Output | null;
  validate?: _repvgg_rendezvous_v1_ValidateWork__Output | null;
  work?: 'shard' | 'validate';
}
