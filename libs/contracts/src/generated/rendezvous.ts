import type * as grpc from '@grpc/grpc-js';
import type { MessageTypeDefinition } from '@grpc/proto-loader';

import type {
  Ack as _repvgg_rendezvous_v1_Ack,
  Ack__Output as _repvgg_rendezvous_v1_Ack__Output,
} from './repvgg/rendezvous/v1/Ack';
import type {
  Assignment as _repvgg_rendezvous_v1_Assignment,
  Assignment__Output as _repvgg_rendezvous_v1_Assignment__Output,
} from './repvgg/rendezvous/v1/Assignment';
import type {
  DecodeFailure as _repvgg_rendezvous_v1_DecodeFailure,
  DecodeFailure__Output as _repvgg_rendezvous_v1_DecodeFailure__Output,
} from './repvgg/rendezvous/v1/DecodeFailure';
import type {
  DrainRequest as _repvgg_rendezvous_v1_DrainRequest,
  DrainRequest__Output as _repvgg_rendezvous_v1_DrainRequest__Output,
} from './repvgg/rendezvous/v1/DrainRequest';
import type {
  EpochReport as _repvgg_rendezvous_v1_EpochReport,
  EpochReport__Output as _repvgg_rendezvous_v1_EpochReport__Output,
} from './repvgg/rendezvous/v1/EpochReport';
import type {
  FailureReport as _repvgg_rendezvous_v1_FailureReport,
  FailureReport__Output as _repvgg_rendezvous_v1_FailureReport__Output,
} from './repvgg/rendezvous/v1/FailureReport';
import type {
  HeartbeatReply as _repvgg_rendezvous_v1_HeartbeatReply,
  HeartbeatReply__Output as _repvgg_rendezvous_v1_HeartbeatReply__Output,
} from './repvgg/rendezvous/v1/HeartbeatReply';
import type {
  HeartbeatRequest as _repvgg_rendezvous_v1_HeartbeatRequest,
  HeartbeatRequest__Output as _repvgg_rendezvous_v1_HeartbeatRequest__Output,
} from './repvgg/rendezvous/v1/HeartbeatRequest';
import type {
  LogBatch as _repvgg_rendezvous_v1_LogBatch,
  LogBatch__Output as _repvgg_rendezvous_v1_LogBatch__Output,
} from './repvgg/rendezvous/v1/LogBatch';
import type {
  LogLine as _repvgg_rendezvous_v1_LogLine,
  LogLine__Output as _repvgg_rendezvous_v1_LogLine__Output,
} from './repvgg/rendezvous/v1/LogLine';
import type {
  LogReply as _repvgg_rendezvous_v1_LogReply,
  LogReply__Output as _repvgg_rendezvous_v1_LogReply__Output,
} from './repvgg/rendezvous/v1/LogReply';
import type {
  Member as _repvgg_rendezvous_v1_Member,
  Member__Output as _repvgg_rendezvous_v1_Member__Output,
} from './repvgg/rendezvous/v1/Member';
import type {
  RegisterReply as _repvgg_rendezvous_v1_RegisterReply,
  RegisterReply__Output as _repvgg_rendezvous_v1_RegisterReply__Output,
} from './repvgg/rendezvous/v1/RegisterReply';
import type {
  RegisterRequest as _repvgg_rendezvous_v1_RegisterRequest,
  RegisterRequest__Output as _repvgg_rendezvous_v1_RegisterRequest__Output,
} from './repvgg/rendezvous/v1/RegisterRequest';
import type {
  RendezvousClient as _repvgg_rendezvous_v1_RendezvousClient,
  RendezvousDefinition as _repvgg_rendezvous_v1_RendezvousDefinition,
} from './repvgg/rendezvous/v1/Rendezvous';
import type {
  ShardWork as _repvgg_rendezvous_v1_ShardWork,
  ShardWork__Output as _repvgg_rendezvous_v1_ShardWork__Output,
} from './repvgg/rendezvous/v1/ShardWork';
import type {
  StepReply as _repvgg_rendezvous_v1_StepReply,
  StepReply__Output as _repvgg_rendezvous_v1_StepReply__Output,
} from './repvgg/rendezvous/v1/StepReply';
import type {
  StepReport as _repvgg_rendezvous_v1_StepReport,
  StepReport__Output as _repvgg_rendezvous_v1_StepReport__Output,
} from './repvgg/rendezvous/v1/StepReport';
import type {
  ValidateWork as _repvgg_rendezvous_v1_ValidateWork,
  ValidateWork__Output as _repvgg_rendezvous_v1_ValidateWork__Output,
} from './repvgg/rendezvous/v1/ValidateWork';
import type {
  WatchRequest as _repvgg_rendezvous_v1_WatchRequest,
  WatchRequest__Output as _repvgg_rendezvous_v1_WatchRequest__Output,
} from './repvgg/rendezvous/v1/WatchRequest';

type SubtypeConstructor<Constructor extends new (...args: any) => any, Subtype> = {
  new (...args: ConstructorParameters<Constructor>): Subtype;
};

export interface ProtoGrpcType {
  repvgg: {
    rendezvous: {
      v1: {
        Ack: MessageTypeDefinition<_repvgg_rendezvous_v1_Ack, _repvgg_rendezvous_v1_Ack__Output>;
        Assignment: MessageTypeDefinition<
          _repvgg_rendezvous_v1_Assignment,
          _repvgg_rendezvous_v1_Assignment__Output
        >;
        DecodeFailure: MessageTypeDefinition<
          _repvgg_rendezvous_v1_DecodeFailure,
          _repvgg_rendezvous_v1_DecodeFailure__Output
        >;
        DrainRequest: MessageTypeDefinition<
          _repvgg_rendezvous_v1_DrainRequest,
          _repvgg_rendezvous_v1_DrainRequest__Output
        >;
        EpochReport: MessageTypeDefinition<
          _repvgg_rendezvous_v1_EpochReport,
          _repvgg_rendezvous_v1_EpochReport__Output
        >;
        FailureReport: MessageTypeDefinition<
          _repvgg_rendezvous_v1_FailureReport,
          _repvgg_rendezvous_v1_FailureReport__Output
        >;
        HeartbeatReply: MessageTypeDefinition<
          _repvgg_rendezvous_v1_HeartbeatReply,
          _repvgg_rendezvous_v1_HeartbeatReply__Output
        >;
        HeartbeatRequest: MessageTypeDefinition<
          _repvgg_rendezvous_v1_HeartbeatRequest,
          _repvgg_rendezvous_v1_HeartbeatRequest__Output
        >;
        LogBatch: MessageTypeDefinition<
          _repvgg_rendezvous_v1_LogBatch,
          _repvgg_rendezvous_v1_LogBatch__Output
        >;
        LogLine: MessageTypeDefinition<
          _repvgg_rendezvous_v1_LogLine,
          _repvgg_rendezvous_v1_LogLine__Output
        >;
        LogReply: MessageTypeDefinition<
          _repvgg_rendezvous_v1_LogReply,
          _repvgg_rendezvous_v1_LogReply__Output
        >;
        Member: MessageTypeDefinition<
          _repvgg_rendezvous_v1_Member,
          _repvgg_rendezvous_v1_Member__Output
        >;
        RegisterReply: MessageTypeDefinition<
          _repvgg_rendezvous_v1_RegisterReply,
          _repvgg_rendezvous_v1_RegisterReply__Output
        >;
        RegisterRequest: MessageTypeDefinition<
          _repvgg_rendezvous_v1_RegisterRequest,
          _repvgg_rendezvous_v1_RegisterRequest__Output
        >;
        Rendezvous: SubtypeConstructor<
          typeof grpc.Client,
          _repvgg_rendezvous_v1_RendezvousClient
        > & { service: _repvgg_rendezvous_v1_RendezvousDefinition };
        ShardWork: MessageTypeDefinition<
          _repvgg_rendezvous_v1_ShardWork,
          _repvgg_rendezvous_v1_ShardWork__Output
        >;
        StepReply: MessageTypeDefinition<
          _repvgg_rendezvous_v1_StepReply,
          _repvgg_rendezvous_v1_StepReply__Output
        >;
        StepReport: MessageTypeDefinition<
          _repvgg_rendezvous_v1_StepReport,
          _repvgg_rendezvous_v1_StepReport__Output
        >;
        ValidateWork: MessageTypeDefinition<
          _repvgg_rendezvous_v1_ValidateWork,
          _repvgg_rendezvous_v1_ValidateWork__Output
        >;
        WatchRequest: MessageTypeDefinition<
          _repvgg_rendezvous_v1_WatchRequest,
          _repvgg_rendezvous_v1_WatchRequest__Output
        >;
      };
    };
  };
}
