import { describe, expect, it } from 'vitest';
import type { EpochReport__Output } from '@repvgg/contracts';
import { RendezvousEvents, type RendezvousHandler } from './rendezvous-events';
import { RendezvousService } from './rendezvous.service';

const report = { jobId: 'j', workerId: 'w', generation: 1, epoch: 0 } as EpochReport__Output;

/** A handler that records what reaches it. */
function recorder(seen: string[]): RendezvousHandler {
  return {
    onStep: (jobId) => Promise.resolve(void seen.push(`step ${jobId}`)),
    onEpoch: (jobId) => Promise.resolve(void seen.push(`epoch ${jobId}`)),
    onGeneration: (_jobId, _g, reason) => Promise.resolve(void seen.push(`generation ${reason}`)),
    onGiveUp: (jobId, reason) => Promise.resolve(void seen.push(`give up ${jobId}: ${reason}`)),
  };
}

describe('RendezvousEvents (the port between the rendezvous and the training service)', () => {
  it('the rendezvous is built on the port, without the training service', () => {
    const events = new RendezvousEvents();
    const rendezvous = new RendezvousService(
      { heartbeatMs: 10, heartbeatTimeoutMs: 100 },
      () => undefined,
      events,
    );
    expect('attach' in rendezvous).toBe(false);
    const seen: string[] = [];
    events.subscribe(recorder(seen));
    rendezvous.addJob({
      id: 'j',
      priority: 0,
      createdAt: new Date(0).toISOString(),
      min: 1,
      max: 1,
      virtualReplicas: 1,
      specJson: '{}',
      artifactDir: 'jobs/j',
      generation: 0,
      checkpoint: '',
      failureBudget: { maxFailures: 3, noProgressMs: 60_000 },
    });
    rendezvous.register({ address: 'w:1', backend: 'cpu', capabilities: [] });
    expect(seen).toEqual(['generation worker joined']);
  });

  it('delivers to its one subscriber, refuses a second, and says when news comes before one', async () => {
    const events = new RendezvousEvents();
    expect(() => events.onEpoch('j', report)).toThrow(/before the training service subscribed/);
    const seen: string[] = [];
    const unsubscribe = events.subscribe(recorder(seen));
    expect(() => events.subscribe(recorder([]))).toThrow(/already have a subscriber/);
    await events.onEpoch('j', report);
    await events.onGiveUp('j', 'budget spent');
    expect(seen).toEqual(['epoch j', 'give up j: budget spent']);
    unsubscribe();
    expect(() => events.onEpoch('j', report)).toThrow(/before the training service subscribed/);
  });
});
