// Original file: proto/rendezvous.proto

import type * as grpc from '@grpc/grpc-js';
import type { MethodDefinition } from '@grpc/proto-loader';
import type {
  Ack as _repvgg_rendezvous_v1_Ack,
  Ack__Output as _repvgg_rendezvous_v1_Ack__Output,
} from '../../../repvgg/rendezvous/v1/Ack';
import type {
  Assignment as _repvgg_rendezvous_v1_Assignment,
  Assignment__Output as _repvgg_rendezvous_v1_Assignment__Output,
} from '../../../repvgg/rendezvous/v1/Assignment';
import type {
  DrainRequest as _repvgg_rendezvous_v1_DrainRequest,
  DrainRequest__Output as _repvgg_rendezvous_v1_DrainRequest__Output,
} from '../../../repvgg/rendezvous/v1/DrainRequest';
import type {
  EpochReport as _repvgg_rendezvous_v1_EpochReport,
  EpochReport__Output as _repvgg_rendezvous_v1_EpochReport__Output,
} from '../../../repvgg/rendezvous/v1/EpochReport';
import type {
  FailureReport as _repvgg_rendezvous_v1_FailureReport,
  FailureReport__Output as _repvgg_rendezvous_v1_FailureReport__Output,
} from '../../../repvgg/rendezvous/v1/FailureReport';
import type {
  HeartbeatReply as _repvgg_rendezvous_v1_HeartbeatReply,
  HeartbeatReply__Output as _repvgg_rendezvous_v1_HeartbeatReply__Output,
} from '../../../repvgg/rendezvous/v1/HeartbeatReply';
import type {
  HeartbeatRequest as _repvgg_rendezvous_v1_HeartbeatRequest,
  HeartbeatRequest__Output as _repvgg_rendezvous_v1_HeartbeatRequest__Output,
} from '../../../repvgg/rendezvous/v1/HeartbeatRequest';
import type {
  LogBatch as _repvgg_rendezvous_v1_LogBatch,
  LogBatch__Output as _repvgg_rendezvous_v1_LogBatch__Output,
} from '../../../repvgg/rendezvous/v1/LogBatch';
import type {
  LogReply as _repvgg_rendezvous_v1_LogReply,
  LogReply__Output as _repvgg_rendezvous_v1_LogReply__Output,
} from '../../../repvgg/rendezvous/v1/LogReply';
import type {
  RegisterReply as _repvgg_rendezvous_v1_RegisterReply,
  RegisterReply__Output as _repvgg_rendezvous_v1_RegisterReply__Output,
} from '../../../repvgg/rendezvous/v1/RegisterReply';
import type {
  RegisterRequest as _repvgg_rendezvous_v1_RegisterRequest,
  RegisterRequest__Output as _repvgg_rendezvous_v1_RegisterRequest__Output,
} from '../../../repvgg/rendezvous/v1/RegisterRequest';
import type {
  StepReply as _repvgg_rendezvous_v1_StepReply,
  StepReply__Output as _repvgg_rendezvous_v1_StepReply__Output,
} from '../../../repvgg/rendezvous/v1/StepReply';
import type {
  StepReport as _repvgg_rendezvous_v1_StepReport,
  StepReport__Output as _repvgg_rendezvous_v1_StepReport__Output,
} from '../../../repvgg/rendezvous/v1/StepReport';
import type {
  WatchRequest as _repvgg_rendezvous_v1_WatchRequest,
  WatchRequest__Output as _repvgg_rendezvous_v1_WatchRequest__Output,
} from '../../../repvgg/rendezvous/v1/WatchRequest';

export interface RendezvousClient extends grpc.Client {
  /**
   * SIGTERM: the worker leaves at the next step boundary.
   */
  Drain(
    argument: _repvgg_rendezvous_v1_DrainRequest,
    metadata: grpc.Metadata,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_repvgg_rendezvous_v1_Ack__Output>,
  ): grpc.ClientUnaryCall;
  Drain(
    argument: _repvgg_rendezvous_v1_DrainRequest,
    metadata: grpc.Metadata,
    callback: grpc.requestCallback<_repvgg_rendezvous_v1_Ack__Output>,
  ): grpc.ClientUnaryCall;
  Drain(
    argument: _repvgg_rendezvous_v1_DrainRequest,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_repvgg_rendezvous_v1_Ack__Output>,
  ): grpc.ClientUnaryCall;
  Drain(
    argument: _repvgg_rendezvous_v1_DrainRequest,
    callback: grpc.requestCallback<_repvgg_rendezvous_v1_Ack__Output>,
  ): grpc.ClientUnaryCall;
  /**
   * SIGTERM: the worker leaves at the next step boundary.
   */
  drain(
    argument: _repvgg_rendezvous_v1_DrainRequest,
    metadata: grpc.Metadata,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_repvgg_rendezvous_v1_Ack__Output>,
  ): grpc.ClientUnaryCall;
  drain(
    argument: _repvgg_rendezvous_v1_DrainRequest,
    metadata: grpc.Metadata,
    callback: grpc.requestCallback<_repvgg_rendezvous_v1_Ack__Output>,
  ): grpc.ClientUnaryCall;
  drain(
    argument: _repvgg_rendezvous_v1_DrainRequest,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_repvgg_rendezvous_v1_Ack__Output>,
  ): grpc.ClientUnaryCall;
  drain(
    argument: _repvgg_rendezvous_v1_DrainRequest,
    callback: grpc.requestCallback<_repvgg_rendezvous_v1_Ack__Output>,
  ): grpc.ClientUnaryCall;

  Heartbeat(
    argument: _repvgg_rendezvous_v1_HeartbeatRequest,
    metadata: grpc.Metadata,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_repvgg_rendezvous_v1_HeartbeatReply__Output>,
  ): grpc.ClientUnaryCall;
  Heartbeat(
    argument: _repvgg_rendezvous_v1_HeartbeatRequest,
    metadata: grpc.Metadata,
    callback: grpc.requestCallback<_repvgg_rendezvous_v1_HeartbeatReply__Output>,
  ): grpc.ClientUnaryCall;
  Heartbeat(
    argument: _repvgg_rendezvous_v1_HeartbeatRequest,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_repvgg_rendezvous_v1_HeartbeatReply__Output>,
  ): grpc.ClientUnaryCall;
  Heartbeat(
    argument: _repvgg_rendezvous_v1_HeartbeatRequest,
    callback: grpc.requestCallback<_repvgg_rendezvous_v1_HeartbeatReply__Output>,
  ): grpc.ClientUnaryCall;
  heartbeat(
    argument: _repvgg_rendezvous_v1_HeartbeatRequest,
    metadata: grpc.Metadata,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_repvgg_rendezvous_v1_HeartbeatReply__Output>,
  ): grpc.ClientUnaryCall;
  heartbeat(
    argument: _repvgg_rendezvous_v1_HeartbeatRequest,
    metadata: grpc.Metadata,
    callback: grpc.requestCallback<_repvgg_rendezvous_v1_HeartbeatReply__Output>,
  ): grpc.ClientUnaryCall;
  heartbeat(
    argument: _repvgg_rendezvous_v1_HeartbeatRequest,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_repvgg_rendezvous_v1_HeartbeatReply__Output>,
  ): grpc.ClientUnaryCall;
  heartbeat(
    argument: _repvgg_rendezvous_v1_HeartbeatRequest,
    callback: grpc.requestCallback<_repvgg_rendezvous_v1_HeartbeatReply__Output>,
  ): grpc.ClientUnaryCall;

  Register(
    argument: _repvgg_rendezvous_v1_RegisterRequest,
    metadata: grpc.Metadata,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_repvgg_rendezvous_v1_RegisterReply__Output>,
  ): grpc.ClientUnaryCall;
  Register(
    argument: _repvgg_rendezvous_v1_RegisterRequest,
    metadata: grpc.Metadata,
    callback: grpc.requestCallback<_repvgg_rendezvous_v1_RegisterReply__Output>,
  ): grpc.ClientUnaryCall;
  Register(
    argument: _repvgg_rendezvous_v1_RegisterRequest,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_repvgg_rendezvous_v1_RegisterReply__Output>,
  ): grpc.ClientUnaryCall;
  Register(
    argument: _repvgg_rendezvous_v1_RegisterRequest,
    callback: grpc.requestCallback<_repvgg_rendezvous_v1_RegisterReply__Output>,
  ): grpc.ClientUnaryCall;
  register(
    argument: _repvgg_rendezvous_v1_RegisterRequest,
    metadata: grpc.Metadata,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_repvgg_rendezvous_v1_RegisterReply__Output>,
  ): grpc.ClientUnaryCall;
  register(
    argument: _repvgg_rendezvous_v1_RegisterRequest,
    metadata: grpc.Metadata,
    callback: grpc.requestCallback<_repvgg_rendezvous_v1_RegisterReply__Output>,
  ): grpc.ClientUnaryCall;
  register(
    argument: _repvgg_rendezvous_v1_RegisterRequest,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_repvgg_rendezvous_v1_RegisterReply__Output>,
  ): grpc.ClientUnaryCall;
  register(
    argument: _repvgg_rendezvous_v1_RegisterRequest,
    callback: grpc.requestCallback<_repvgg_rendezvous_v1_RegisterReply__Output>,
  ): grpc.ClientUnaryCall;

  ReportEpoch(
    argument: _repvgg_rendezvous_v1_EpochReport,
    metadata: grpc.Metadata,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_repvgg_rendezvous_v1_Ack__Output>,
  ): grpc.ClientUnaryCall;
  ReportEpoch(
    argument: _repvgg_rendezvous_v1_EpochReport,
    metadata: grpc.Metadata,
    callback: grpc.requestCallback<_repvgg_rendezvous_v1_Ack__Output>,
  ): grpc.ClientUnaryCall;
  ReportEpoch(
    argument: _repvgg_rendezvous_v1_EpochReport,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_repvgg_rendezvous_v1_Ack__Output>,
  ): grpc.ClientUnaryCall;
  ReportEpoch(
    argument: _repvgg_rendezvous_v1_EpochReport,
    callback: grpc.requestCallback<_repvgg_rendezvous_v1_Ack__Output>,
  ): grpc.ClientUnaryCall;
  reportEpoch(
    argument: _repvgg_rendezvous_v1_EpochReport,
    metadata: grpc.Metadata,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_repvgg_rendezvous_v1_Ack__Output>,
  ): grpc.ClientUnaryCall;
  reportEpoch(
    argument: _repvgg_rendezvous_v1_EpochReport,
    metadata: grpc.Metadata,
    callback: grpc.requestCallback<_repvgg_rendezvous_v1_Ack__Output>,
  ): grpc.ClientUnaryCall;
  reportEpoch(
    argument: _repvgg_rendezvous_v1_EpochReport,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_repvgg_rendezvous_v1_Ack__Output>,
  ): grpc.ClientUnaryCall;
  reportEpoch(
    argument: _repvgg_rendezvous_v1_EpochReport,
    callback: grpc.requestCallback<_repvgg_rendezvous_v1_Ack__Output>,
  ): grpc.ClientUnaryCall;

  /**
   * A peer broke a stream or missed a deadline: the generation ends.
   */
  ReportFailure(
    argument: _repvgg_rendezvous_v1_FailureReport,
    metadata: grpc.Metadata,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_repvgg_rendezvous_v1_Ack__Output>,
  ): grpc.ClientUnaryCall;
  ReportFailure(
    argument: _repvgg_rendezvous_v1_FailureReport,
    metadata: grpc.Metadata,
    callback: grpc.requestCallback<_repvgg_rendezvous_v1_Ack__Output>,
  ): grpc.ClientUnaryCall;
  ReportFailure(
    argument: _repvgg_rendezvous_v1_FailureReport,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_repvgg_rendezvous_v1_Ack__Output>,
  ): grpc.ClientUnaryCall;
  ReportFailure(
    argument: _repvgg_rendezvous_v1_FailureReport,
    callback: grpc.requestCallback<_repvgg_rendezvous_v1_Ack__Output>,
  ): grpc.ClientUnaryCall;
  /**
   * A peer broke a stream or missed a deadline: the generation ends.
   */
  reportFailure(
    argument: _repvgg_rendezvous_v1_FailureReport,
    metadata: grpc.Metadata,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_repvgg_rendezvous_v1_Ack__Output>,
  ): grpc.ClientUnaryCall;
  reportFailure(
    argument: _repvgg_rendezvous_v1_FailureReport,
    metadata: grpc.Metadata,
    callback: grpc.requestCallback<_repvgg_rendezvous_v1_Ack__Output>,
  ): grpc.ClientUnaryCall;
  reportFailure(
    argument: _repvgg_rendezvous_v1_FailureReport,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_repvgg_rendezvous_v1_Ack__Output>,
  ): grpc.ClientUnaryCall;
  reportFailure(
    argument: _repvgg_rendezvous_v1_FailureReport,
    callback: grpc.requestCallback<_repvgg_rendezvous_v1_Ack__Output>,
  ): grpc.ClientUnaryCall;

  /**
   * Log lines and decode failures of a job the worker serves or served, batched off the step's path.
   */
  ReportLogs(
    argument: _repvgg_rendezvous_v1_LogBatch,
    metadata: grpc.Metadata,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_repvgg_rendezvous_v1_LogReply__Output>,
  ): grpc.ClientUnaryCall;
  ReportLogs(
    argument: _repvgg_rendezvous_v1_LogBatch,
    metadata: grpc.Metadata,
    callback: grpc.requestCallback<_repvgg_rendezvous_v1_LogReply__Output>,
  ): grpc.ClientUnaryCall;
  ReportLogs(
    argument: _repvgg_rendezvous_v1_LogBatch,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_repvgg_rendezvous_v1_LogReply__Output>,
  ): grpc.ClientUnaryCall;
  ReportLogs(
    argument: _repvgg_rendezvous_v1_LogBatch,
    callback: grpc.requestCallback<_repvgg_rendezvous_v1_LogReply__Output>,
  ): grpc.ClientUnaryCall;
  /**
   * Log lines and decode failures of a job the worker serves or served, batched off the step's path.
   */
  reportLogs(
    argument: _repvgg_rendezvous_v1_LogBatch,
    metadata: grpc.Metadata,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_repvgg_rendezvous_v1_LogReply__Output>,
  ): grpc.ClientUnaryCall;
  reportLogs(
    argument: _repvgg_rendezvous_v1_LogBatch,
    metadata: grpc.Metadata,
    callback: grpc.requestCallback<_repvgg_rendezvous_v1_LogReply__Output>,
  ): grpc.ClientUnaryCall;
  reportLogs(
    argument: _repvgg_rendezvous_v1_LogBatch,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_repvgg_rendezvous_v1_LogReply__Output>,
  ): grpc.ClientUnaryCall;
  reportLogs(
    argument: _repvgg_rendezvous_v1_LogBatch,
    callback: grpc.requestCallback<_repvgg_rendezvous_v1_LogReply__Output>,
  ): grpc.ClientUnaryCall;

  ReportStep(
    argument: _repvgg_rendezvous_v1_StepReport,
    metadata: grpc.Metadata,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_repvgg_rendezvous_v1_StepReply__Output>,
  ): grpc.ClientUnaryCall;
  ReportStep(
    argument: _repvgg_rendezvous_v1_StepReport,
    metadata: grpc.Metadata,
    callback: grpc.requestCallback<_repvgg_rendezvous_v1_StepReply__Output>,
  ): grpc.ClientUnaryCall;
  ReportStep(
    argument: _repvgg_rendezvous_v1_StepReport,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_repvgg_rendezvous_v1_StepReply__Output>,
  ): grpc.ClientUnaryCall;
  ReportStep(
    argument: _repvgg_rendezvous_v1_StepReport,
    callback: grpc.requestCallback<_repvgg_rendezvous_v1_StepReply__Output>,
  ): grpc.ClientUnaryCall;
  reportStep(
    argument: _repvgg_rendezvous_v1_StepReport,
    metadata: grpc.Metadata,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_repvgg_rendezvous_v1_StepReply__Output>,
  ): grpc.ClientUnaryCall;
  reportStep(
    argument: _repvgg_rendezvous_v1_StepReport,
    metadata: grpc.Metadata,
    callback: grpc.requestCallback<_repvgg_rendezvous_v1_StepReply__Output>,
  ): grpc.ClientUnaryCall;
  reportStep(
    argument: _repvgg_rendezvous_v1_StepReport,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_repvgg_rendezvous_v1_StepReply__Output>,
  ): grpc.ClientUnaryCall;
  reportStep(
    argument: _repvgg_rendezvous_v1_StepReport,
    callback: grpc.requestCallback<_repvgg_rendezvous_v1_StepReply__Output>,
  ): grpc.ClientUnaryCall;

  /**
   * One stream per worker; a new Assignment is sent whenever the worker's generation or work changes.
   */
  Watch(
    argument: _repvgg_rendezvous_v1_WatchRequest,
    metadata: grpc.Metadata,
    options?: grpc.CallOptions,
  ): grpc.ClientReadableStream<_repvgg_rendezvous_v1_Assignment__Output>;
  Watch(
    argument: _repvgg_rendezvous_v1_WatchRequest,
    options?: grpc.CallOptions,
  ): grpc.ClientReadableStream<_repvgg_rendezvous_v1_Assignment__Output>;
  /**
   * One stream per worker; a new Assignment is sent whenever the worker's generation or work changes.
   */
  watch(
    argument: _repvgg_rendezvous_v1_WatchRequest,
    metadata: grpc.Metadata,
    options?: grpc.CallOptions,
  ): grpc.ClientReadableStream<_repvgg_rendezvous_v1_Assignment__Output>;
  watch(
    argument: _repvgg_rendezvous_v1_WatchRequest,
    options?: grpc.CallOptions,
  ): grpc.ClientReadableStream<_repvgg_rendezvous_v1_Assignment__Output>;
}

export interface RendezvousHandlers extends grpc.UntypedServiceImplementation {
  /**
   * SIGTERM: the worker leaves at the next step boundary.
   */
  Drain: grpc.handleUnaryCall<
    _repvgg_rendezvous_v1_DrainRequest__Output,
    _repvgg_rendezvous_v1_Ack
  >;

  Heartbeat: grpc.handleUnaryCall<
    _repvgg_rendezvous_v1_HeartbeatRequest__Output,
    _repvgg_rendezvous_v1_HeartbeatReply
  >;

  Register: grpc.handleUnaryCall<
    _repvgg_rendezvous_v1_RegisterRequest__Output,
    _repvgg_rendezvous_v1_RegisterReply
  >;

  ReportEpoch: grpc.handleUnaryCall<
    _repvgg_rendezvous_v1_EpochReport__Output,
    _repvgg_rendezvous_v1_Ack
  >;

  /**
   * A peer broke a stream or missed a deadline: the generation ends.
   */
  ReportFailure: grpc.handleUnaryCall<
    _repvgg_rendezvous_v1_FailureReport__Output,
    _repvgg_rendezvous_v1_Ack
  >;

  /**
   * Log lines and decode failures of a job the worker serves or served, batched off the step's path.
   */
  ReportLogs: grpc.handleUnaryCall<
    _repvgg_rendezvous_v1_LogBatch__Output,
    _repvgg_rendezvous_v1_LogReply
  >;

  ReportStep: grpc.handleUnaryCall<
    _repvgg_rendezvous_v1_StepReport__Output,
    _repvgg_rendezvous_v1_StepReply
  >;

  /**
   * One stream per worker; a new Assignment is sent whenever the worker's generation or work changes.
   */
  Watch: grpc.handleServerStreamingCall<
    _repvgg_rendezvous_v1_WatchRequest__Output,
    _repvgg_rendezvous_v1_Assignment
  >;
}

export interface RendezvousDefinition extends grpc.ServiceDefinition {
  Drain: MethodDefinition<
    _repvgg_rendezvous_v1_DrainRequest,
    _repvgg_rendezvous_v1_Ack,
    _repvgg_rendezvous_v1_DrainRequest__Output,
    _repvgg_rendezvous_v1_Ack__Output
  >;
  Heartbeat: MethodDefinition<
    _repvgg_rendezvous_v1_HeartbeatRequest,
    _repvgg_rendezvous_v1_HeartbeatReply,
    _repvgg_rendezvous_v1_HeartbeatRequest__Output,
    _repvgg_rendezvous_v1_HeartbeatReply__Output
  >;
  Register: MethodDefinition<
    _repvgg_rendezvous_v1_RegisterRequest,
    _repvgg_rendezvous_v1_RegisterReply,
    _repvgg_rendezvous_v1_RegisterRequest__Output,
    _repvgg_rendezvous_v1_RegisterReply__Output
  >;
  ReportEpoch: MethodDefinition<
    _repvgg_rendezvous_v1_EpochReport,
    _repvgg_rendezvous_v1_Ack,
    _repvgg_rendezvous_v1_EpochReport__Output,
    _repvgg_rendezvous_v1_Ack__Output
  >;
  ReportFailure: MethodDefinition<
    _repvgg_rendezvous_v1_FailureReport,
    _repvgg_rendezvous_v1_Ack,
    _repvgg_rendezvous_v1_FailureReport__Output,
    _repvgg_rendezvous_v1_Ack__Output
  >;
  ReportLogs: MethodDefinition<
    _repvgg_rendezvous_v1_LogBatch,
    _repvgg_rendezvous_v1_LogReply,
    _repvgg_rendezvous_v1_LogBatch__Output,
    _repvgg_rendezvous_v1_LogReply__Output
  >;
  ReportStep: MethodDefinition<
    _repvgg_rendezvous_v1_StepReport,
    _repvgg_rendezvous_v1_StepReply,
    _repvgg_rendezvous_v1_StepReport__Output,
    _repvgg_rendezvous_v1_StepReply__Output
  >;
  Watch: MethodDefinition<
    _repvgg_rendezvous_v1_WatchRequest,
    _repvgg_rendezvous_v1_Assignment,
    _repvgg_rendezvous_v1_WatchRequest__Output,
    _repvgg_rendezvous_v1_Assignment__Output
  >;
}
