// Original file: proto/rendezvous.proto

export interface StepReply {
  /**
   * false: stop after this step (the generation was superseded or the job stopped).
   */
  proceed?: boolean;
}

export interface StepReply__Output {
  /**
   * false: stop after this step (the generation was superseded or the job stopped).
   */
  proceed: boolean;
}
