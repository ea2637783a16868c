import { Injectable } from '@nestjs/common';
import type { EpochReport__Output, StepReport__Output } from '@repvgg/contracts';
import type { Generation } from './generation';

/** What the rest of the coordinator does with the rendezvous' news. */
export interface RendezvousHandler {
  /** The leader committed a step; resolves once it is recorded. */
  onStep(jobId: string, report: StepReport__Output): Promise<void>;
  onEpoch(jobId: string, report: EpochReport__Output): Promise<void>;
  onGeneration(jobId: string, generation: Generation | null, reason: string): Promise<void>;
  /** The job spent its failure budget; `reason` (one line) names the error. */
  onGiveUp(jobId: string, reason: string): Promise<void>;
}

/**
 * The port through which the rendezvous reports to whoever drives training. Nest injects the one
 * instance into both sides: the rendezvous reports on it, the training service subscribes to it.
 * Neither service holds the other, so the dependency graph (RendezvousService → RendezvousEvents ←
 * TrainingService) has no cycle for madge or Nest to miss.
 */
@Injectable()
export class RendezvousEvents implements RendezvousHandler {
  private handler: RendezvousHandler | null = null;

  /** One subscriber, for the coordinator's lifetime; returns its unsubscribe. */
  subscribe(handler: RendezvousHandler): () => void {
    if (this.handler !== null) throw new Error('the rendezvous events already have a subscriber');
    this.handler = handler;
    return () => {
      if (this.handler === handler) this.handler = null;
    };
  }

  onStep(jobId: string, report: StepReport__Output): Promise<void> {
    return this.subscriber.onStep(jobId, report);
  }

  onEpoch(jobId: string, report: EpochReport__Output): Promise<void> {
    return this.subscriber.onEpoch(jobId, report);
  }

  onGeneration(jobId: string, generation: Generation | null, reason: string): Promise<void> {
    return this.subscriber.onGeneration(jobId, generation, reason);
  }

  onGiveUp(jobId: string, reason: string): Promise<void> {
    return this.subscriber.onGiveUp(jobId, reason);
  }

  private get subscriber(): RendezvousHandler {
    if (this.handler === null)
      throw new Error('rendezvous news before the training service subscribed');
    return this.handler;
  }
}
